"""Benchmark: the year's inspection plan as a PDF and a Word file at scale, against a bare reference.

    .venv/bin/python bench/plans.py [--provinces 2] [--years 5] [--rounds 3] [--seeded sqlite:////path/db]

Seeds `flask seed-demo --scale` (default 2 provinces × 5 years = 10 province-years, about 600
inspections a year) into a fresh SQLite file (or uses --seeded), makes and finalises the plan of the
latest seeded year, then times in turn, `--rounds` times each, the app's PDF of the plan (its frozen
page through paper.html, the embedded fonts and WeasyPrint), the app's Word file, and the bare reference:
WeasyPrint alone on a plain HTML page of the same rows (one table, the same font files, no app). Prints
the medians, the pages, and the PDF's ratio to the bare reference.
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
        pdf_time, pdf = median_seconds(lambda: pdf_bytes(plan), rounds)
        word_time, _word = median_seconds(lambda: docx_bytes(plan), rounds)
        fonts = font_files()
        bare_time, bare = median_seconds(lambda: HTML(string=bare_html(rows, fonts)).write_pdf(), rounds)
    pages, bare_pages = len(PdfReader(io.BytesIO(pdf)).pages), len(PdfReader(io.BytesIO(bare)).pages)
    print(f"plan of {year}: {len(rows)} inspections")
    print(f"{'':28} {'median s':>9} {'pages':>6}")
    print(f"{'app: plan PDF':28} {pdf_time:9.2f} {pages:6d}")
    print(f"{'app: plan Word':28} {word_time:9.2f}")
    print(f"{'bare: WeasyPrint, one table':28} {bare_time:9.2f} {bare_pages:6d}")
    print(f"PDF / bare: {pdf_time / bare_time:.2f}×; per page {pdf_time / pages * 1000:.0f} ms vs "
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
