"""Destructive actions look destructive: every button that deletes, revokes, withdraws or
ends sessions carries the ``danger`` class, which app.css draws in white on dark red
with at least WCAG AA contrast."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
# Endpoints whose POST destroys or undoes something for good.
DESTRUCTIVE = ("delete_lesson", "delete_module", "delete_question", "delete_session",
               "delete_competency", "competencies.withdraw", "admin_end_sessions",
               "admin.end_sessions",
               "certificates.revoke")


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _destructive_forms() -> list[tuple[str, str]]:
    """(template, source) of each destructive action: its <form> element when it is
    written out, else the line of its ``post_button`` call."""
    found = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for endpoint in DESTRUCTIVE:
            for match in re.finditer(re.escape(endpoint), text):
                at = match.start()
                opened = text.rfind("<form", 0, at)
                if opened > text.rfind("</form>", 0, at):
                    source = text[opened:text.find("</form>", at)]
                else:
                    source = text[text.rfind("\n", 0, at) + 1:text.find("\n", at)]
                found.append((str(path.relative_to(ROOT)), source))
    return found


def test_every_destructive_button_is_a_danger_button():
    forms = _destructive_forms()
    names = {endpoint for endpoint in DESTRUCTIVE
             if any(endpoint in form for _template, form in forms)}
    assert names == set(DESTRUCTIVE), set(DESTRUCTIVE) - names  # each one was found
    plain = [template for template, form in forms if "danger" not in form]
    assert plain == []


def test_the_danger_style_is_distinct_and_readable():
    css = (ROOT / "lms" / "static" / "app.css").read_text(encoding="utf-8")
    rule = re.search(r"button\.danger, \.button\.danger \{([^}]*)\}", css)
    assert rule is not None
    bad = re.search(r"--bad: (#[0-9a-f]{6})", css).group(1)
    brand = re.search(r"--brand: (#[0-9a-f]{6})", css).group(1)
    assert "var(--bad)" in rule.group(1) and bad != brand
    assert _contrast(bad, "#ffffff") >= 4.5
    hover = re.search(r"button\.danger:hover[^{]*\{[^}]*background: (#[0-9a-f]{6})", css)
    assert hover is not None and _contrast(hover.group(1), "#ffffff") >= 4.5
