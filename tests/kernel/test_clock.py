"""One clock: the current time comes from lms.kernel.clock only, and tests can stop it."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from lms.kernel import clock

LMS = Path(__file__).resolve().parents[2] / "lms"
CLOCK = LMS / "kernel" / "clock.py"
# (class, method) pairs that read the machine's clock or its local zone.
FORBIDDEN = {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"),
             ("datetime", "today")}


def _datetime_names(tree: ast.Module) -> tuple[dict[str, str], set[str]]:
    """Local names bound to datetime.date / datetime.datetime, and names of the module."""
    classes: dict[str, str] = {}
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "datetime":
            for alias in node.names:
                if alias.name in ("date", "datetime"):
                    classes[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "datetime":
                    modules.add(alias.asname or alias.name)
    return classes, modules


def _clock_reads(path: Path, root: Path) -> list[str]:
    """``file:line: date.today()`` for every call in ``path`` that reads the machine's clock."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    classes, modules = _datetime_names(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        if isinstance(owner, ast.Name):
            cls = classes.get(owner.id)
        elif (isinstance(owner, ast.Attribute) and isinstance(owner.value, ast.Name)
              and owner.value.id in modules):
            cls = owner.attr
        else:
            continue
        if (cls, node.func.attr) in FORBIDDEN:
            found.append((node.lineno, f"{path.relative_to(root)}:{node.lineno}: "
                                       f"{cls}.{node.func.attr}()"))
    return [text for _line, text in sorted(found)]


def test_nothing_but_the_clock_reads_the_time():
    found = [hit for path in sorted(LMS.rglob("*.py")) if path != CLOCK
             for hit in _clock_reads(path, LMS.parent)]
    assert found == [], "use lms.kernel.clock instead:\n" + "\n".join(found)


def test_the_guard_sees_every_spelling(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import datetime as dt\nfrom datetime import date, datetime as moment\n"
                      "date.today()\nmoment.now()\ndt.datetime.utcnow()\ndt.date.today()\n"
                      "moment.today()\nclock.today(clock.UTC)\nclock.now()\n")
    assert _clock_reads(sample, tmp_path) == [
        "sample.py:3: date.today()", "sample.py:4: datetime.now()",
        "sample.py:5: datetime.utcnow()", "sample.py:6: date.today()",
        "sample.py:7: datetime.today()"]


def test_now_is_aware_utc_and_runs():
    before = datetime.now(UTC)
    moment = clock.now()
    assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
    assert before <= moment <= datetime.now(UTC)


def test_today_is_the_date_in_the_zone_asked_for():
    # 00:30 UTC on 1 March: already the afternoon in Auckland, still 28 February in Bogotá.
    with clock.frozen(datetime(2026, 3, 1, 0, 30, tzinfo=UTC)):
        assert clock.today("Pacific/Auckland") == date(2026, 3, 1)
        assert clock.today(ZoneInfo("America/Bogota")) == date(2026, 2, 28)
        assert clock.today(clock.UTC) == date(2026, 3, 1)
    # 23:30 UTC on 28 February: Auckland is a day ahead, Bogotá the same day.
    with clock.frozen(datetime(2026, 2, 28, 23, 30, tzinfo=UTC)):
        assert clock.today("Pacific/Auckland") == date(2026, 3, 1)
        assert clock.today("America/Bogota") == date(2026, 2, 28)
        assert clock.today(timezone(timedelta(hours=-5))) == date(2026, 2, 28)


def test_as_utc_reads_naive_moments_as_utc():
    assert clock.as_utc(None) is None
    assert clock.as_utc(datetime(2026, 1, 2, 3, 4)) == datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    bogota = datetime(2026, 1, 1, 22, 0, tzinfo=ZoneInfo("America/Bogota"))
    converted = clock.as_utc(bogota)
    assert converted == datetime(2026, 1, 2, 3, 0, tzinfo=UTC) and converted.tzinfo is UTC


def test_freeze_and_thaw():
    at = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    clock.freeze(at)
    try:
        assert clock.now() == at and clock.now() == at
        assert clock.today("UTC") == date(2031, 5, 6)
        with clock.frozen(datetime(2032, 1, 1)):  # naive: read as UTC
            assert clock.now() == datetime(2032, 1, 1, tzinfo=UTC)
        assert clock.now() == at  # the outer freeze is back
    finally:
        clock.thaw()
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


def test_the_fixture_moves_the_clock_and_lets_it_go(frozen_clock):
    start = frozen_clock.now()
    assert clock.now() == start
    assert frozen_clock.advance(hours=2) == start + timedelta(hours=2) == clock.now()
    assert frozen_clock.advance(timedelta(days=1)) == start + timedelta(days=1, hours=2)
    frozen_clock.set(datetime(2029, 12, 31, 23, 0, tzinfo=UTC))
    assert frozen_clock.today("Pacific/Auckland") == date(2030, 1, 1)
    assert frozen_clock.today() == date(2029, 12, 31)
