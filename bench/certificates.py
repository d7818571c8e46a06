"""Certificates: rendering, issuing a whole cohort, and the verification API's speed.

    .venv/bin/python bench/certificates.py [--trainees 1000] [--renders 200]
        [--clients 16] [--seconds 10] [--workers 4] [--databases sqlite,postgresql]
        [--skip-api]

Prints, after the machine's size:

1. **PDF rendering**, in-process: the median (and p95) time to render one
   certificate PDF per language, ``--renders`` different issued records per
   language (a ten-competency track, long accented names) after a warm-up, and
   the largest PDF's size. Targets: at most 10 ms and 60 KB. Then the PAdES
   signature over the same records: signing alone, and render + sign (a
   download). Target: render + sign at most 25 ms median.
2. **Issuing a cohort** of ``--trainees`` eligible trainees end to end, per
   database: the eligible list, the records with their snapshots and signed
   credentials (one commit), then every trainee's PDF in their own language.
   Target: at most 15 s in all.
3. **Verification API throughput** under gunicorn (``--workers``), per database:
   ``--clients`` keep-alive clients ask ``GET /api/v1/certificates/<id>`` for
   random IDs of that cohort for ``--seconds``; then the same clients, for the same
   time, ask a minimal Flask + SQLAlchemy app (bench/lookup_app.py) for the same
   rows by key. Printed: requests per second of each, their p50/p95, and the ratio
   (target at least 0.7).

Nothing is asserted: these are measurements (see bench/README.md).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__" and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve() \
        and (ROOT / ".venv" / "bin" / "python").exists():
    # Started with another Python: run again with the project's virtualenv.
    os.execv(str(ROOT / ".venv" / "bin" / "python"),  # noqa: S606
             [str(ROOT / ".venv" / "bin" / "python"), *sys.argv])
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench import common  # noqa: E402
from bench.common import Browser, fmt_ms, markdown_table, percentile  # noqa: E402

LANGUAGES = ("en", "es", "fr", "pt")
RENDER_TARGET_MS = 10.0
SIGNED_TARGET_MS = 25.0  # render + PAdES signature (issue 14)
SIZE_TARGET_KB = 60.0
ISSUE_TARGET_S = 15.0
RATIO_TARGET = 0.7
COMPETENCIES = 10
# Every trainee's language, in turn: the cohort prints in all four.
LONG_NAME = "María José de la Concepción Pérez-Núñez Gonçalves"


# ---------------------------------------------------------------- seeding


@dataclass
class Seeded:
    track_id: int
    officer_id: int
    user_ids: list[int]


def seed_track(app, trainees: int, tag: str) -> Seeded:
    """A PROCCER-like track (one course, ten competencies, 36 months) and ``trainees``
    trainees who completed the course and were signed off on every competency."""
    from lms.accounts.models import BodyOfficer, Institution, User
    from lms.certification.tracks.models import Track
    from lms.cohorts.models import Enrolment, EnrolmentStatus
    from lms.competencies.models import Competency, Framework, Signoff
    from lms.extensions import db

    seeded = common.seed_cohort(app, trainees, tag=tag)
    now = common_now()
    with app.app_context():
        body = Institution(name=f"{tag} Comisión Nacional de Certificación", kind="certifying_body",
                           country="MX")
        officer = User(email=f"{tag}-officer@example.org", full_name="Oficial de Certificación",
                       password_hash="", locale="es", country="MX")
        framework = Framework(program_id=seeded.program_id, code=f"{tag.upper()}-FW",
                              language="en", title="Treatment competencies")
        db.session.add_all([body, officer, framework])
        db.session.flush()
        db.session.add(BodyOfficer(institution_id=body.id, user_id=officer.id))
        competencies = [Competency(framework=framework, code=f"T{i}", position=i,
                                   title=f"Competency number {i} of drug treatment practice")
                        for i in range(1, COMPETENCIES + 1)]
        db.session.add_all(competencies)
        track = Track(program_id=seeded.program_id, code=f"{tag.upper()}-TRACK", language="en",
                      title="Drug treatment provider certification", country="MX",
                      framework=framework, certifying_body_id=body.id, min_hours=0,
                      practice_hours=0, validity_months=36, renewal_hours=20)
        db.session.add(track)
        db.session.flush()
        from lms.catalog.models import Course

        track.courses.append(db.session.get(Course, seeded.course_id))
        track.competencies.extend(competencies)
        db.session.execute(sa.update(Enrolment).where(Enrolment.cohort_id == seeded.cohort_id)
                           .values(status=EnrolmentStatus.COMPLETED, completed_at=now))
        user_ids = list(db.session.scalars(
            sa.select(Enrolment.user_id).where(Enrolment.cohort_id == seeded.cohort_id)
            .order_by(Enrolment.user_id)))
        # Names and languages as a real cohort has them.
        for index, user_id in enumerate(user_ids):
            db.session.execute(sa.update(User).where(User.id == user_id).values(
                full_name=f"{LONG_NAME} {index:04d}", locale=LANGUAGES[index % 4]))
        db.session.execute(sa.insert(Signoff), [
            {"user_id": user_id, "competency_id": competency.id, "assessor_id": officer.id,
             "note": "", "signed_at": now, "withdrawal_note": ""}
            for user_id in user_ids for competency in competencies])
        result = Seeded(track.id, officer.id, user_ids)
        db.session.commit()
        db.session.remove()
    return result


def _request(app):
    """A request on the public address: the only host the app trusts (TRUSTED_HOSTS),
    so that url_for works in what issuing sets off (notifications)."""
    return app.test_request_context(base_url=str(app.config["LMS_PUBLIC_URL"]) + "/")


def common_now():
    from lms.kernel import clock

    return clock.now()


# ---------------------------------------------------------------- 1. rendering


def measure_rendering(app, renders: int) -> tuple[list[list[str]], list[list[str]]]:
    """Each render is of another record (another ID, holder name and QR code), so
    nothing is served from a previous render of the same certificate.

    Returns two tables: rendering alone per language (the unsigned PDF), and the
    PAdES signature: signing alone (an already rendered file), and render + sign
    (``issuance.pdf_for``, what a download costs), over every language's records.
    """
    from lms.certification import issuance, signed_pdfs
    from lms.certification.models import Certificate
    from lms.certification.pdf import render_pdf
    from lms.extensions import db

    rows = []
    signing: dict[str, list[float]] = {"sign": [], "render + sign": []}
    signed_sizes = []
    with app.app_context(), _request(app):
        records = list(db.session.scalars(
            sa.select(Certificate).order_by(Certificate.id).limit(renders * len(LANGUAGES) + 5)))
        for certificate in records[-5:]:  # warm-up: fonts, keys and signers loaded
            issuance.pdf_for(certificate, "en")
        for index, language in enumerate(LANGUAGES):
            batch = records[index * renders:(index + 1) * renders]
            times, sizes = [], []
            for certificate in batch:
                # What issuance.pdf_for does (without a TSA), timed step by step, on
                # a record rendered for the first time.
                start = time.perf_counter()
                pdf = render_pdf(certificate.snapshot, certificate.credential, language)
                rendered = time.perf_counter()
                signed_sizes.append(len(signed_pdfs.sign_rendering(certificate, pdf)))
                done = time.perf_counter()
                times.append(rendered - start)
                signing["sign"].append(done - rendered)
                signing["render + sign"].append(done - start)
                sizes.append(len(pdf))
            median_ms = statistics.median(times) * 1000
            size_kb = max(sizes) / 1024
            rows.append([language, str(len(batch)), f"{median_ms:.2f}",
                         fmt_ms(percentile(times, 95)), f"≤ {RENDER_TARGET_MS:.0f}",
                         f"{size_kb:.1f}", f"≤ {SIZE_TARGET_KB:.0f}",
                         "met" if median_ms <= RENDER_TARGET_MS and size_kb <= SIZE_TARGET_KB
                         else "MISSED"])
    signed_rows = []
    for name, times in signing.items():
        median_ms = statistics.median(times) * 1000
        target = SIGNED_TARGET_MS if name == "render + sign" else None
        signed_rows.append([name, str(len(times)), f"{median_ms:.2f}",
                            fmt_ms(percentile(times, 95)),
                            f"≤ {target:.0f}" if target else "",
                            f"{max(signed_sizes) / 1024:.1f}" if target else "",
                            ("met" if median_ms <= target else "MISSED") if target else ""])
    return rows, signed_rows


# ---------------------------------------------------------------- 2. issuing a cohort


@dataclass
class IssueResult:
    eligible_s: float
    records_s: float
    pdfs_s: float
    issued: int
    pdf_bytes: int
    codes: list[str]

    @property
    def total_s(self) -> float:
        return self.eligible_s + self.records_s + self.pdfs_s


def issue_cohort(app, seeded: Seeded) -> IssueResult:
    from lms.accounts.models import User
    from lms.certification import issuance
    from lms.certification.tracks import progress
    from lms.certification.tracks.models import Track
    from lms.extensions import db

    with app.app_context(), _request(app):
        track = db.session.get(Track, seeded.track_id)
        officer = db.session.get(User, seeded.officer_id)
        start = time.perf_counter()
        eligible = progress.eligible(track)
        eligible_s = time.perf_counter() - start
        start = time.perf_counter()
        certificates = issuance.issue_all(track, officer)
        db.session.commit()
        records_s = time.perf_counter() - start
        languages = dict(db.session.execute(
            sa.select(User.id, User.locale).where(User.id.in_(seeded.user_ids))).all())
        start = time.perf_counter()
        size = 0
        for certificate in certificates:
            size += len(issuance.pdf_for(certificate, languages[certificate.user_id]))
        pdfs_s = time.perf_counter() - start
        codes = [c.code for c in certificates]
        if len(eligible) != len(certificates):
            print(f"  note: {len(eligible)} eligible but {len(certificates)} issued")
        db.session.remove()
    return IssueResult(eligible_s, records_s, pdfs_s, len(codes), size, codes)


# ---------------------------------------------------------------- 3. verification API


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def load(port: int, paths: list[str], clients: int, seconds: float,
         max_requests_per_client: int = 100_000) -> LoadResult:
    """``clients`` threads, each asking random ``paths`` over one keep-alive connection
    until ``seconds`` have passed (or its request cap); 200 counts, anything else is
    an error."""
    barrier = threading.Barrier(clients + 1)
    lock = threading.Lock()
    latencies: list[float] = []
    counters = {"ok": 0, "errors": 0}

    def client(number: int) -> None:
        chooser = random.Random(number)
        browser = Browser(port)
        mine: list[float] = []
        ok = errors = 0
        barrier.wait()
        deadline = time.monotonic() + seconds
        try:
            for _ in range(max_requests_per_client):
                if time.monotonic() >= deadline:
                    break
                path = chooser.choice(paths)
                start = time.perf_counter()
                try:
                    status = browser.request("GET", path).status
                except OSError:
                    status = 0
                mine.append(time.perf_counter() - start)
                if status == 200:
                    ok += 1
                else:
                    errors += 1
        finally:
            browser.close()
            with lock:
                latencies.extend(mine)
                counters["ok"] += ok
                counters["errors"] += errors

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    elapsed = time.perf_counter() - started
    return LoadResult(counters["ok"], elapsed, latencies, counters["errors"])


def copy_to_lookup_app(source_url: str, target_url: str) -> None:
    """The ceiling's one table, filled with the same certificates' fields."""
    from bench import lookup_app

    source = sa.create_engine(source_url)
    with source.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT c.code, u.full_name, c.issued_on, c.expires_on, c.credential "
            "FROM certificates c JOIN users u ON u.id = c.user_id")).all()
    source.dispose()
    app = lookup_app.create_app(target_url)
    with app.app_context():
        lookup_app.db.create_all()
        lookup_app.db.session.execute(sa.insert(lookup_app.Record), [
            {"code": code, "holder_name": name, "title": "Drug treatment provider certification",
             "issued_on": str(issued), "expires_on": str(expires), "credential": credential}
            for code, name, issued, expires, credential in rows])
        lookup_app.db.session.commit()
        lookup_app.db.engine.dispose()


def measure_api(kind: str, folder: Path, url: str, instance: Path, codes: list[str],
                args: argparse.Namespace) -> tuple[LoadResult, LoadResult]:
    env = common.app_environment(url, str(instance),
                                 LMS_VERIFY_RATE_LIMIT="10000000 per minute")
    with common.gunicorn("wsgi:app", env, workers=args.workers,
                         log_path=folder / f"lms-{kind}.log") as server:
        paths = [f"/api/v1/certificates/{code}" for code in codes]
        load(server.port, paths[:50], args.clients, 1.0)  # warm-up
        app_result = load(server.port, paths, args.clients, args.seconds)
    with common.scratch_database(kind, f"lms_bench_{os.getpid()}_lookup", folder) as lookup_url:
        copy_to_lookup_app(url, lookup_url)
        lookup_env = {k: v for k, v in os.environ.items() if not k.startswith("LMS_")}
        lookup_env["BENCH_LOOKUP_DATABASE_URL"] = lookup_url
        with common.gunicorn("lookup_app:create_app()", lookup_env, workers=args.workers,
                             log_path=folder / f"lookup-{kind}.log",
                             extra_args=["--pythonpath", str(ROOT / "bench")]) as server:
            paths = [f"/records/{code}" for code in codes]
            load(server.port, paths[:50], args.clients, 1.0)
            ceiling = load(server.port, paths, args.clients, args.seconds)
    return app_result, ceiling


# ---------------------------------------------------------------- per database


def run_database(kind: str, args: argparse.Namespace, render_rows: list | None) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"lms-bench-cert-{kind}-") as folder_name:
        folder = Path(folder_name)
        instance = folder / "instance"
        instance.mkdir()
        name = f"lms_bench_{os.getpid()}_cert"
        with common.scratch_database(kind, name, folder) as url:
            app = common.make_app(url, str(instance))
            common.create_schema(app, args.schema)
            seeded = seed_track(app, args.trainees, tag="cert")
            issued = issue_cohort(app, seeded)
            rendering = measure_rendering(app, args.renders) if render_rows is None else None
            common.dispose(app)
            app_result = ceiling = None
            if not args.skip_api:
                app_result, ceiling = measure_api(kind, folder, url, instance, issued.codes,
                                                  args)
    return {"issued": issued, "rendering": rendering, "api": app_result, "ceiling": ceiling}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trainees", type=int, default=1000)
    parser.add_argument("--renders", type=int, default=200, help="records per language")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--schema", choices=("create_all", "upgrade"), default="create_all")
    parser.add_argument("--skip-api", action="store_true",
                        help="leave out the API throughput runs (PDF figures only)")
    args = parser.parse_args(argv)
    if not 1 <= args.trainees <= 20_000 or not 1 <= args.renders <= 5_000:
        parser.error("--trainees must be 1..20000 and --renders 1..5000")
    if args.renders * len(LANGUAGES) + 5 > args.trainees:
        parser.error("--renders × 4 languages + 5 must not exceed --trainees "
                     "(each render is of another record)")
    if not 1 <= args.clients <= 256 or not 0.5 <= args.seconds <= 300:
        parser.error("--clients must be 1..256 and --seconds 0.5..300")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    kinds = [k.strip() for k in args.databases.split(",") if k.strip()]
    print(f"# Certificates benchmark\n\nMachine: {common.machine_size()}; "
          f"{args.workers} gunicorn workers; {args.trainees} trainees; "
          f"{args.clients} clients × {args.seconds:g} s per throughput run.\n")
    results = {}
    rendering = None
    for kind in kinds:
        print(f"... {kind}", file=sys.stderr, flush=True)
        results[kind] = run_database(kind, args, rendering)
        rendering = rendering or results[kind]["rendering"]

    print(f"## PDF rendering (in-process, a different record each time, "
          f"{COMPETENCIES} competencies)\n")
    render_rows, signed_rows = rendering or ([], [])
    print(markdown_table(["language", "records rendered", "median ms", "p95 ms",
                          "target ms", "largest KB", "target KB", ""], render_rows))
    print("\n## PDF signature (PAdES, the issuing body's certificate; every language's "
          "records)\n")
    print(markdown_table(["step", "PDFs", "median ms", "p95 ms", "target ms",
                          "largest signed KB", ""], signed_rows))
    print(f"\n## Issuing a {args.trainees}-trainee cohort end to end\n")
    print(markdown_table(
        ["database", "eligible list s", "records + signatures s", "PDFs s", "total s",
         "target s", "issued", "PDF MB", ""],
        [[kind, f"{r['issued'].eligible_s:.2f}", f"{r['issued'].records_s:.2f}",
          f"{r['issued'].pdfs_s:.2f}", f"{r['issued'].total_s:.2f}", f"≤ {ISSUE_TARGET_S:.0f}",
          str(r["issued"].issued), f"{r['issued'].pdf_bytes / 1e6:.1f}",
          "met" if r["issued"].total_s <= ISSUE_TARGET_S else "MISSED"]
         for kind, r in results.items()]))
    if args.skip_api:
        return 0
    print("\n## Verification API throughput (GET /api/v1/certificates/<id>)\n")
    rows = []
    for kind, r in results.items():
        api, ceiling = r["api"], r["ceiling"]
        ratio = api.rate / ceiling.rate if ceiling.rate else 0.0
        rows.append([kind, f"{api.rate:.0f}", fmt_ms(percentile(api.latencies, 50)),
                     fmt_ms(percentile(api.latencies, 95)), str(api.errors),
                     f"{ceiling.rate:.0f}", fmt_ms(percentile(ceiling.latencies, 50)),
                     fmt_ms(percentile(ceiling.latencies, 95)), str(ceiling.errors),
                     f"{ratio:.2f}", f"≥ {RATIO_TARGET}",
                     "met" if ratio >= RATIO_TARGET and not api.errors else "MISSED"])
    print(markdown_table(["database", "API req/s", "p50 ms", "p95 ms", "errors",
                          "lookup req/s", "p50 ms", "p95 ms", "errors", "ratio", "target",
                          ""], rows))
    print("\nFor reference (not measured here): the issue states that Moodle's TCPDF "
          "renders a comparable one-page certificate in about 40 ms on this machine.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
