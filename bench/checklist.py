"""Benchmark: the tablet checklist page and the autosave POST against bare references, in one run.

    .venv/bin/python bench/checklist.py [--rounds 5] [--seconds 3]

Seeds a 120-item inspection in a fresh SQLite file (WAL), serves the app and bench/bare.py with
gunicorn (2 sync workers each) and loads both with wrk (apt-get install wrk). Each comparison runs in
rounds, app then bare, so that both see the same drift of a shared machine; it prints the median
requests per second and p95 latency side by side and the median of the rounds' ratios app / bare.
Targets: both ratios ≥ 50 %. Absolute numbers drift between runs and machines; the ratios are what to
compare. The page is kept drawn between saves (app/inspections/drawn.py), so the last line times it
right after a save too.
"""
import argparse
import http.client
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.serving import log_in, serve  # noqa: E402

ITEMS = 120
PASSWORD = "bench-password-1"


def seed(env: dict) -> tuple[int, int, list[int], int]:
    """Migrate and fill the database; returns (inspection id, template id, item ids, an answer id)."""
    os.environ.update(env)
    from app import create_app
    from app.extensions import db
    from app.models import (
        Answer, AnswerType, ChecklistItem, ChecklistSection, ChecklistTemplate, Inspection, InspectionKind,
        InspectionMember, InspectionStatus, Role, TeamRole, TemplateStatus, Unit, UnitKind, User,
    )
    from flask_migrate import upgrade

    app = create_app()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        unit = Unit(code="BENCH", name="Đơn vị thử tải", kind=UnitKind.DEPARTMENT)
        user = User(username="bench", full_name="Người thử tải", role=Role.INSPECTOR)
        user.set_password(PASSWORD, app.config["PASSWORD_HASH_METHOD"])
        template = ChecklistTemplate(family="BENCH", name="Phiếu 120 tiêu chí", status=TemplateStatus.PUBLISHED)
        for s in range(6):
            section = ChecklistSection(position=s, code=f"S{s + 1}", title=f"Phần {s + 1}")
            section.items = [ChecklistItem(position=i, code=f"S{s + 1}-{i + 1:02d}", answer_type=AnswerType.PASS_FAIL,
                                           question=f"Tiêu chí {s * 20 + i + 1}: hồ sơ được niêm yết đầy đủ, đúng hạn",
                                           guidance="Đối chiếu sổ theo dõi và Cổng dịch vụ công",
                                           legal_basis="Nghị định 118/2025/NĐ-CP") for i in range(ITEMS // 6)]
            template.sections.append(section)
        db.session.add_all([unit, user, template])
        db.session.flush()
        inspection = Inspection(title="Kiểm tra thử tải", kind=InspectionKind.PLANNED, unit_id=unit.id,
                                template_id=template.id, status=InspectionStatus.IN_PROGRESS,
                                planned_start=date.today(), planned_end=date.today())
        inspection.members = [InspectionMember(user_id=user.id, role=TeamRole.LEAD)]
        db.session.add(inspection)
        db.session.flush()
        item_ids = [item.id for item in template.items]
        # Half the items answered, as in the middle of a visit.
        answers = [Answer(inspection_id=inspection.id, item_id=i, result="pass") for i in item_ids[: ITEMS // 2]]
        db.session.add_all(answers)
        db.session.commit()
        ids = inspection.id, template.id, item_ids[ITEMS // 2:], answers[0].id
        db.engine.dispose()
    return ids


def wrk(url: str, script: str, seconds: int, threads: int, connections: int, env: dict) -> dict:
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-s", str(ROOT / "bench" / script), url],
        env=env, capture_output=True, text=True, check=True).stdout
    numbers = {key: float(value) for key, value in re.findall(r"(\w+)=([\d.]+)", output.split("RESULT", 1)[1])}
    if numbers["errors"]:
        print(output, file=sys.stderr)  # what wrk saw, including the first refused answer
    return numbers


def saved_versions(database: Path, inspection_id: int) -> str:
    """The answers' row versions, "item=version,…": each autosave round starts from what is saved."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT item_id, row_version FROM answer WHERE inspection_id = ?", (inspection_id,))
        return ",".join(f"{item}={version}" for item, version in rows)


def compare(rounds: int, run_app, run_bare) -> dict:
    """Alternate the app and its bare reference; medians of the rates, p95s and ratios, all errors."""
    app_runs, bare_runs = [], []
    for _ in range(rounds):
        app_runs.append(run_app())
        bare_runs.append(run_bare())

    def median(runs, key):
        return statistics.median(run[key] for run in runs)

    return {"app": {key: median(app_runs, key) for key in ("rps", "p95_ms")} | {"errors": sum(r["errors"] for r in app_runs)},
            "bare": {key: median(bare_runs, key) for key in ("rps", "p95_ms")} | {"errors": sum(r["errors"] for r in bare_runs)},
            "ratio": statistics.median(a["rps"] / b["rps"] for a, b in zip(app_runs, bare_runs))}


def redraw_ms(port: int, inspection_id: int, item_id: int, cookie: str, csrf: str, times: int = 30) -> list[float]:
    """The page's latency when it is not kept: right after a save changed the answers (one at a time)."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Cookie": cookie, "X-CSRFToken": csrf, "HX-Request": "true",
               "Content-Type": "application/x-www-form-urlencoded"}
    version, timings = 0, []
    for turn in range(times):
        body = f"a{item_id}-result={'pass' if turn % 2 else 'fail'}&a{item_id}-version={version}&a{item_id}-save=r{turn}"
        connection.request("POST", f"/inspections/{inspection_id}/answers/{item_id}", body=body, headers=headers)
        version = int(re.search(r'-version" value="(\d+)"', connection.getresponse().read().decode()).group(1))
        started = time.perf_counter()
        connection.request("GET", f"/inspections/{inspection_id}/checklist", headers={"Cookie": cookie})
        assert connection.getresponse().read()
        timings.append((time.perf_counter() - started) * 1000)
    return sorted(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=3, help="of each round")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    folder = Path(tempfile.mkdtemp(prefix="kiemtra-bench-"))
    database = folder / "bench.sqlite"
    env = os.environ | {
        "KIEMTRA_ENV": "production", "FLASK_SECRET_KEY": "b" * 64, "DATABASE_URL": f"sqlite:///{database}",
        "FLASK_SESSION_COOKIE_SECURE": "false", "BENCH_DATABASE": str(database), "BENCH_DIR": str(ROOT / "bench"),
    }
    inspection_id, template_id, open_items, answer_id = seed(env)
    app_server, bare_server = serve("wsgi:app", 8731, env), serve("bench.bare:app", 8732, env)
    try:
        cookie, csrf = log_in(8731, "bench", PASSWORD)
        env |= {"BENCH_COOKIE": cookie, "BENCH_CSRF": csrf, "BENCH_THREADS": "4",
                "BENCH_ITEMS": ",".join(map(str, open_items)),
                "BENCH_PATH": f"/inspections/{inspection_id}/answers/%d"}
        results = {
            "checklist page": compare(
                args.rounds,
                lambda: wrk(f"http://127.0.0.1:8731/inspections/{inspection_id}/checklist", "get.lua",
                            args.seconds, 2, 8, env),
                lambda: wrk(f"http://127.0.0.1:8732/items/{template_id}", "get.lua", args.seconds, 2, 8,
                            env | {"BENCH_COOKIE": ""})),
            "autosave": compare(
                args.rounds,
                lambda: wrk("http://127.0.0.1:8731", "autosave.lua", args.seconds, 4, 4,
                            env | {"BENCH_VERSIONS": saved_versions(database, inspection_id)}),
                lambda: wrk(f"http://127.0.0.1:8732/update/{answer_id}", "post.lua", args.seconds, 4, 4, env)),
        }
        redraws = redraw_ms(8731, inspection_id, open_items[0], cookie, csrf)
    finally:
        for server in (app_server, bare_server):
            server.terminate()
            server.wait()
        shutil.rmtree(folder)
    print(f"{args.rounds} rounds of {args.seconds} s, medians")
    print(f"{'':16}{'app req/s':>10}{'p95 ms':>8}{'errors':>8}{'bare req/s':>12}{'p95 ms':>8}{'errors':>8}{'ratio':>7}")
    for name, r in results.items():
        app, bare = r["app"], r["bare"]
        print(f"{name:16}{app['rps']:>10.0f}{app['p95_ms']:>8.1f}{app['errors']:>8.0f}"
              f"{bare['rps']:>12.0f}{bare['p95_ms']:>8.1f}{bare['errors']:>8.0f}{r['ratio']:>7.0%}")
    print("targets: both ratios ≥ 50%")
    print(f"checklist page right after a save (drawn anew): median {redraws[len(redraws) // 2]:.0f} ms, "
          f"p95 {redraws[int(len(redraws) * .95)]:.0f} ms")


if __name__ == "__main__":
    main()
