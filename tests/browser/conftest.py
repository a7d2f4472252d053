"""A live server with the demo data and Debian's chromium driven by Playwright.

Without chromium the browser tests are skipped, except in CI (CI=true), where they must run.
"""
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.config import TestingConfig

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


def pytest_collection_modifyitems(items):
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI needs chromium for the browser tests, and {CHROMIUM} is missing")
    skip = pytest.mark.skip(reason="Debian's chromium is not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """(app, base URL) of a server in a thread, on a migrated SQLite file with the demo data."""
    folder = tmp_path_factory.mktemp("live")
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'live.sqlite'}",
                     WTF_CSRF_ENABLED=True)
    app.instance_path = str(folder)  # uploads land here, not in the repository
    runner = app.test_cli_runner()
    for command in (["db", "upgrade"], ["seed-demo"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def live_server(live):
    return live[1]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def tablet_portrait(browser):
    context = browser.new_context(viewport={"width": 768, "height": 1024}, locale="vi-VN")
    yield context.new_page()
    context.close()


@pytest.fixture
def tablet_landscape(browser):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="vi-VN")
    yield context.new_page()
    context.close()


def screenshot(page, name: str, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def log_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo12345")
    page.click("input[type=submit]")
    page.wait_for_url(f"{base_url}/")
