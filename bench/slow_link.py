"""Benchmark: the 120-item checklist on a slow 3G link, first open and repeat open from the worker.

    .venv/bin/python bench/slow_link.py [--runs 3]

Seeds the 120-item inspection of bench/checklist.py in a fresh SQLite file, serves the app and
bench/bare.py with gunicorn, and opens the checklist in Chromium (Playwright) under Chromium's network
conditions: 400 kbit/s both ways and 400 ms round trip. The login goes through the API, so the first
open finds nothing cached: no worker, no assets. Each run is a new browser.

- first open: bytes over the wire for the page (the HTML document, headers included) and for all of
  it; when the first item shows, and when it can be tapped (its scripts have run: an answer then saves);
- repeat open: the same address again once the worker keeps it, and the first item tappable.
The bare reference is bench/bare.py's page of the same 120 items, plain HTML without any asset, on the
same link: the floor the link itself sets. Targets: the page ≤ 60 KB over the wire, the first item
tappable within 3 s, within 1 s on repeat. Medians of the runs.
"""
import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.checklist import PASSWORD, seed  # noqa: E402
from bench.serving import serve  # noqa: E402

SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def slow(page) -> None:
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.emulateNetworkConditions", SLOW_3G)


def wire_bytes(requests) -> int:
    total = 0
    for request in requests:
        sizes = request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    return total


def open_timed(page, url: str, first_item: str) -> dict:
    """Open `url`; milliseconds until the first item shows and until the page's scripts have run."""
    finished = []

    def record(request):
        finished.append(request)

    page.on("requestfinished", record)
    start = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.locator(first_item).wait_for()
    shown = time.perf_counter()
    page.wait_for_function("() => window.KiemtraChecklist !== undefined")
    ready = time.perf_counter()
    page.wait_for_load_state("load")
    page.remove_listener("requestfinished", record)
    document = [r for r in finished if r.url == url]
    return {"shown_ms": (shown - start) * 1000, "tappable_ms": (ready - start) * 1000,
            "page_bytes": wire_bytes(document), "all_bytes": wire_bytes(finished), "requests": len(finished)}


def log_in(context, base: str) -> None:
    login = context.request.get(f"{base}/auth/login").text()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    response = context.request.post(f"{base}/auth/login", form={"username": "bench", "password": PASSWORD,
                                                                 "csrf_token": token})
    assert response.ok, response.status


def run_once(playwright, base: str, bare: str, inspection_id: int, template_id: int, first_item: int) -> dict:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
    try:
        context = browser.new_context(viewport={"width": 768, "height": 1024}, locale="vi-VN")
        log_in(context, base)
        page = context.new_page()
        slow(page)
        url = f"{base}/inspections/{inspection_id}/checklist"
        first = open_timed(page, url, f"#item-{first_item} label.toggle.pass")
        page.wait_for_function(f"() => caches.open('pages').then(c => c.match('{url}')).then(Boolean)",
                               polling=200, timeout=60000)
        repeat = open_timed(page, url, f"#item-{first_item} label.toggle.pass")

        reference = browser.new_context().new_page()
        slow(reference)
        finished = []
        reference.on("requestfinished", lambda request: finished.append(request))
        start = time.perf_counter()
        reference.goto(f"{bare}/items/{template_id}")
        bare_ms = (time.perf_counter() - start) * 1000
        return {"first": first, "repeat": repeat, "bare": {"shown_ms": bare_ms, "page_bytes": wire_bytes(finished)}}
    finally:
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="kiemtra-slow-"))
    database = folder / "bench.sqlite"
    env = os.environ | {"KIEMTRA_ENV": "development", "DATABASE_URL": f"sqlite:///{database}",
                        "FLASK_SECRET_KEY": "bench-" + "x" * 40, "BENCH_DATABASE": str(database)}
    inspection_id, template_id, open_items, _answer = seed(env)
    app = serve("wsgi:app", 8761, env)
    bare = serve("bench.bare:app", 8762, env)
    try:
        with sync_playwright() as playwright:
            runs = [run_once(playwright, "http://127.0.0.1:8761", "http://127.0.0.1:8762", inspection_id,
                             template_id, open_items[0]) for _ in range(args.runs)]
    finally:
        for process in (app, bare):
            process.terminate()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)

    def median(kind, key):
        return statistics.median(run[kind][key] for run in runs)

    print(f"120-item checklist, {SLOW_3G['downloadThroughput'] * 8 / 1000:.0f} kbit/s, {SLOW_3G['latency']} ms "
          f"round trip; medians of {args.runs} runs")
    print(f"{'open':<32}{'page KB':>9}{'all KB':>9}{'requests':>10}{'shown s':>9}{'tappable s':>12}")
    for label, kind in (("first open (nothing kept)", "first"), ("repeat open (from the worker)", "repeat")):
        print(f"{label:<32}{median(kind, 'page_bytes') / 1024:>9.1f}{median(kind, 'all_bytes') / 1024:>9.1f}"
              f"{median(kind, 'requests'):>10.0f}{median(kind, 'shown_ms') / 1000:>9.2f}"
              f"{median(kind, 'tappable_ms') / 1000:>12.2f}")
    print(f"{'bare: 120 plain rows, no asset':<32}{median('bare', 'page_bytes') / 1024:>9.1f}{'':>9}{'':>10}"
          f"{median('bare', 'shown_ms') / 1000:>9.2f}")
    print("targets: page ≤ 60 KB; first item tappable ≤ 3 s on first open, ≤ 1 s on repeat")


if __name__ == "__main__":
    main()
