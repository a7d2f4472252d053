"""Benchmark: the leaders' dashboard and the filtered findings list at scale, on SQLite and PostgreSQL.

    .venv/bin/python bench/reports.py [--provinces 2] [--years 5] [--seconds 10] [--pg postgresql://postgres@127.0.0.1:5432/postgres]
    .venv/bin/python bench/reports.py --provinces 34 --years 3 --no-sqlite      # national scale: 102 province-years

Seeds `flask seed-demo --scale` (default 2 provinces × 5 years = 10 province-years: ~1,000 units-years,
3,000 inspections with 260,000 answers, ~40,000 findings) into a fresh SQLite file and a fresh PostgreSQL
database (then VACUUM ANALYZE, as autovacuum would), serves each with gunicorn (2 sync workers), logs in
as a leader (and as a unit head, for their findings list) and loads each page with wrk
(2 threads, 4 connections). Prints requests per second and p50/p95 latency. Target: p95 ≤ 150 ms.
The bare reference, measured first on the same server, is /healthz: one query to the database and a
look at the file store, no login, no template. It is what any request costs on this machine in that
run, so runs on machines of different speed can be compared.
Without --pg, or when PostgreSQL cannot be reached, only SQLite is measured.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.serving import log_in, serve  # noqa: E402
PASSWORD = "demo12345"
USERNAME = "s1-leader1"
UNIT_HEAD = "s1-unithead1"


def flask(env: dict, *args: str) -> str:
    result = subprocess.run([str(ROOT / ".venv/bin/flask"), *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def seed(env: dict, provinces: int, years: int) -> float:
    started = time.perf_counter()
    flask(env, "db", "upgrade")
    print(flask(env, "seed-demo", "--scale", str(provinces), "--years", str(years)).strip().splitlines()[-2])
    return time.perf_counter() - started


def tune(url: str) -> None:
    """The PostgreSQL settings the README asks for on SSDs (random_page_cost = 1.1) and on a server with
    as few cores as requests at once (no parallel plans), on this database."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for setting in ("random_page_cost = 1.1", "max_parallel_workers_per_gather = 0"):
            connection.exec_driver_sql(f'ALTER DATABASE "{engine.url.database}" SET {setting}')
    engine.dispose()


def vacuum(url: str) -> None:
    """VACUUM ANALYZE the freshly seeded PostgreSQL database, as autovacuum does within a minute or two of
    a bulk load, at a moment the run cannot predict. Until then the visibility map is empty and every
    index-only scan (the dashboard's findings per unit, failed answers, findings per month) also reads
    the table rows: the run would measure a state that a database in service is not in."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()


def prime(url: str, cookie: str) -> None:
    """Load the page on four connections at once and wait for all four, so each of the two workers has
    computed the page's figures before timing (at national scale that takes longer than wrk's warm-up
    second, whose unfinished requests would then be timed)."""
    def load(_):
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie}), timeout=120) as response:
            response.read()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(load, range(4)))


def wrk(url: str, seconds: int, env: dict, warm_up: bool = True) -> dict:
    if warm_up:  # each worker computes the page's figures and opens its connections before timing
        prime(url, env["BENCH_COOKIE"])
        subprocess.run(["wrk", "-t2", "-c4", "-d1s", url], env=env, capture_output=True, check=True)
    output = subprocess.run(["wrk", "-t2", "-c4", f"-d{seconds}s", "-s", str(ROOT / "bench" / "get.lua"), url],
                            env=env, capture_output=True, text=True, check=True).stdout
    numbers = {key: float(value) for key, value in re.findall(r"(\w+)=([\d.]+)", output.split("RESULT", 1)[1])}
    if numbers["errors"]:
        print(output, file=sys.stderr)
    return numbers


def timed(name: str, page: str, url: str, seconds: int, env: dict, results: dict) -> None:
    results[(name, page)] = wrk(url, seconds, env)
    print(f"  {page:32}p95 {results[(name, page)]['p95_ms']:.1f} ms")


def measure(name: str, url: str, port: int, seconds: int, provinces: int, years: int, results: dict,
            seeded: bool = False) -> None:
    env = os.environ | {"KIEMTRA_ENV": "production", "FLASK_SECRET_KEY": "b" * 64, "DATABASE_URL": url,
                        "FLASK_SESSION_COOKIE_SECURE": "false", "FLASK_APP": "wsgi.py",
                        "BENCH_DIR": str(ROOT / "bench")}
    if not seeded:
        seconds_to_seed = seed(env, provinces, years)
        print(f"{name}: seeded in {seconds_to_seed:.0f} s")
        if url.startswith("postgresql"):
            vacuum(url)
    if url.startswith("postgresql"):
        tune(url)
    server = serve("wsgi:app", port, env)
    try:
        env["BENCH_COOKIE"] = log_in(port, USERNAME, PASSWORD)[0]
        year = date.today().year
        pages = {
            "bare reference: /healthz": "/healthz",
            "dashboard": f"/reports/?year={year - 1}",
            "dashboard, sorted by overdue": f"/reports/?year={year}&sort=overdue&dir=desc",
            "findings, all": "/findings/",
            "findings, filtered": f"/findings/?year={year - 1}&status=active&severity=serious",
            "findings, overdue, word": "/findings/?overdue=1&q=tre+han",
            "findings, two words": "/findings/?q=tre+han",
            "search": "/reports/search?q=tre+han",
        }
        for page, path in pages.items():
            timed(name, page, f"http://127.0.0.1:{port}{path}", seconds, env, results)
        env["BENCH_COOKIE"] = log_in(port, UNIT_HEAD, PASSWORD)[0]
        timed(name, "findings, a unit head's", f"http://127.0.0.1:{port}/findings/", seconds, env, results)
    finally:
        server.terminate()
        server.wait()
    # The dashboard's figures are kept while the data is unchanged; this is the price of computing them.
    env["FLASK_REPORTS_KEEP"] = "0"
    server = serve("wsgi:app", port, env)
    try:
        env["BENCH_COOKIE"] = log_in(port, USERNAME, PASSWORD)[0]
        timed(name, "dashboard, computed each time", f"http://127.0.0.1:{port}/reports/?year={date.today().year - 1}",
              seconds, env, results)
    finally:
        server.terminate()
        server.wait()


def postgres_database(server_url: str):
    name = f"kiemtra_bench_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(server_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = engine.url.set(database=name).render_as_string(hide_password=False)

    def drop():
        with engine.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        engine.dispose()

    return url, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--provinces", type=int, default=2)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--pg", default=os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only (the national scale)")
    parser.add_argument("--seeded", metavar="URL",
                        help="measure this PostgreSQL database, already seeded with --provinces and --years")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    results: dict = {}
    if not (args.no_sqlite or args.seeded):
        folder = Path(tempfile.mkdtemp(prefix="kiemtra-bench-reports-"))
        try:
            measure("SQLite", f"sqlite:///{folder / 'bench.sqlite'}", 8741, args.seconds, args.provinces,
                    args.years, results)
        finally:
            shutil.rmtree(folder)
    if args.seeded:
        measure("PostgreSQL", args.seeded, 8742, args.seconds, args.provinces, args.years, results, seeded=True)
    elif args.pg:
        try:
            url, drop = postgres_database(args.pg)
        except Exception as error:  # no server: SQLite only
            print(f"PostgreSQL skipped: {error}")
        else:
            try:
                measure("PostgreSQL", url, 8742, args.seconds, args.provinces, args.years, results)
            finally:
                drop()
    print(f"\n{args.provinces * args.years} province-years; wrk 2 threads, 4 connections, {args.seconds} s; "
          f"gunicorn 2 sync workers")
    print(f"{'database':12}{'page':34}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
    for (database, page), r in results.items():
        print(f"{database:12}{page:34}{r['rps']:>8.0f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['errors']:>8.0f}")
    worst = max(r["p95_ms"] for (_d, page), r in results.items() if "computed" not in page)
    print(f"worst p95 (figures kept): {worst:.1f} ms (target ≤ 150 ms)")


if __name__ == "__main__":
    main()
