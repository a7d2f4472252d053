"""Benchmark: the secretariat's documents at scale, the year's report and the year's plan, as PDF and
Word, against bare references in the same run.

    .venv/bin/python bench/secretariat.py [--provinces 2] [--years 5] [--rounds 3] [--seeded sqlite:////path/db]

Seeds `flask seed-demo --scale` (default 2 provinces × 5 years = 10 province-years, about 600
inspections a year) into a fresh SQLite file (or uses --seeded). For the latest seeded year it times,
`--rounds` times each (medians):
- the report of the whole year, all units: making it (the figures, the first drafts, numbering, the
  frozen page: what "Finalise" does), its PDF (WeasyPrint through paper.html with the embedded fonts)
  and its Word file; target: making plus PDF at most 2 s;
- the plan: its PDF and its Word file;
- the bare reference: WeasyPrint alone on a plain HTML page of the plan's rows (one table, the same font
  files, no app), which shows what WeasyPrint itself costs per page.
"""
import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def seed(url: str, provinces: int, years: int) -> None:
    env = os.environ | {"DATABASE_URL": url}
    for args in (["db", "upgrade"], ["seed-demo", "--scale", str(provinces), "--years", str(years)]):
        result = subprocess.run([str(ROOT / ".venv/bin/flask"), *args], cwd=ROOT, env=env, capture_output=True,
                                text=True)
        if result.returncode:
            sys.exit(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def median_seconds(make, rounds: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = make()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def bare_html(rows: list[dict], fonts: list[dict]) -> str:
    faces = "".join(f'@font-face {{ font-family: "{f["family"]}"; src: url("{f["path"].as_uri()}"); '
                    f'font-weight: {f["weight"]}; font-style: {f["style"]}; }}' for f in fonts)
    family = f'"{fonts[0]["family"]}"' if fonts else "serif"
    body = "".join(f"<tr><td>{n}</td><td>{row['unit']}</td><td>{row['start']} – {row['end']}</td>"
                   f"<td>{row['checklist']}</td></tr>" for n, row in enumerate(rows, 1))
    return (f"<html><head><style>@page {{ size: A4; margin: 20mm 15mm 20mm 30mm; }} {faces} "
            f"body {{ font: 13pt {family}; }} td {{ border: 1px solid #000; }}</style></head>"
            f"<body><table>{body}</table></body></html>")


def _report(leader, body, year: int, render_body):
    """A fresh report of the whole year, all units, finalised (a new number each round)."""
    from app.services import period_reports

    start, end = period_reports.period_bounds("year", year, None, None)
    report = period_reports.start_report(leader, body, start, end, "")
    period_reports.update_draft(leader, report, report.row_version, date(year + 1, 1, 10),
                                period_reports.texts_of(report))
    return period_reports.finalise_draft(leader, report, render_body)


def measure(url: str, rounds: int) -> None:
    import sqlalchemy as sa
    from pypdf import PdfReader
    from weasyprint import HTML

    from app import create_app
    from app.documents.output import docx_bytes, font_files, pdf_bytes, render_body
    from app.extensions import db
    from app.models import Inspection, IssuingBody, Role, User
    from app.services import plan_documents

    os.environ["DATABASE_URL"] = url
    app = create_app()
    with app.app_context(), app.test_request_context():
        year = db.session.scalar(sa.select(sa.func.max(Inspection.planned_start))).year
        leader = db.session.scalar(sa.select(User).where(User.role == Role.LEADER).order_by(User.id).limit(1))
        body = db.session.scalar(sa.select(IssuingBody).order_by(IssuingBody.id).limit(1))
        plan = plan_documents.latest_issued(year)
        if plan is None:
            plan = plan_documents.start_plan(leader, year, body)
            plan_documents.update_draft(leader, plan, plan.row_version, date(year, 1, 15),
                                       plan_documents.texts_of(plan))
            plan_documents.finalise_draft(leader, plan, render_body)
        rows = plan.snapshot["rows"]
        make_time, report = median_seconds(lambda: _report(leader, body, year, render_body), rounds)
        report_pdf_time, report_pdf = median_seconds(lambda: pdf_bytes(report), rounds)
        report_word_time, _report_word = median_seconds(lambda: docx_bytes(report), rounds)
        pdf_time, pdf = median_seconds(lambda: pdf_bytes(plan), rounds)
        word_time, _word = median_seconds(lambda: docx_bytes(plan), rounds)
        fonts = font_files()
        bare_time, bare = median_seconds(lambda: HTML(string=bare_html(rows, fonts)).write_pdf(), rounds)
    pages, bare_pages = len(PdfReader(io.BytesIO(pdf)).pages), len(PdfReader(io.BytesIO(bare)).pages)
    report_pages = len(PdfReader(io.BytesIO(report_pdf)).pages)
    print(f"year {year}: {len(rows)} inspections planned, {len(report.snapshot['figures']['units'])} units reported")
    print(f"{'':28} {'median s':>9} {'pages':>6}")
    print(f"{'app: make the year report':28} {make_time:9.2f}")
    print(f"{'app: report PDF':28} {report_pdf_time:9.2f} {report_pages:6d}")
    print(f"{'app: report Word':28} {report_word_time:9.2f}")
    print(f"{'report: make + PDF':28} {make_time + report_pdf_time:9.2f}   (target ≤ 2 s)")
    print(f"{'app: plan PDF':28} {pdf_time:9.2f} {pages:6d}")
    print(f"{'app: plan Word':28} {word_time:9.2f}")
    print(f"{'bare: WeasyPrint, one table':28} {bare_time:9.2f} {bare_pages:6d}")
    print(f"plan PDF / bare: {pdf_time / bare_time:.2f}×; per page {pdf_time / pages * 1000:.0f} ms vs "
          f"{bare_time / bare_pages * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--provinces", type=int, default=2)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seeded", help="the URL of a database seeded before (its plan is made once)")
    args = parser.parse_args()
    if args.seeded:
        measure(args.seeded, args.rounds)
        return
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/plans.sqlite"
        started = time.perf_counter()
        seed(url, args.provinces, args.years)
        print(f"seeded {args.provinces} provinces × {args.years} years in {time.perf_counter() - started:.0f} s")
        measure(url, args.rounds)


if __name__ == "__main__":
    main()
