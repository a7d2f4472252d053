"""Two app servers side by side, as behind a load balancer: two gunicorn processes on one PostgreSQL
database and one S3 bucket (SeaweedFS). What one writes, the other serves at once."""
import os
import re
import subprocess
import time
from datetime import date

import pytest
import requests
import sqlalchemy as sa

from app import storage
from app.extensions import db
from app.models import Answer, Document, InspectionStatus, Role, TemplateStatus
from tests import s3
from tests.conftest import ROOT, TEST_DATABASE_URL
from tests.factories import PASSWORD, make_inspection, make_template, make_user
from tests.images import png
from tests.mail import free_port
from tests.services.test_documents import make_body, ready_minutes, reviewing_inspection

pytestmark = pytest.mark.skipif(not (TEST_DATABASE_URL or "").startswith("postgresql"),
                                reason="two servers share a PostgreSQL database (CI runs this on PostgreSQL)")


class Server:
    """One gunicorn process (one worker, so its page cache is the one this test primes)."""

    def __init__(self, env: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_until_ready(self):
        deadline = time.monotonic() + 60
        while True:  # gunicorn binds its port before its worker has imported the app: a first request waits
            try:
                requests.get(f"{self.url}/healthz", timeout=10).raise_for_status()
                return
            except requests.RequestException:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def servers(app, s3_storage, seaweed):
    env = os.environ | s3.ACCESS | {
        "KIEMTRA_ENV": "production", "FLASK_SECRET_KEY": "s" * 64,  # one key: a session is valid on both
        "DATABASE_URL": TEST_DATABASE_URL, "FLASK_SESSION_COOKIE_SECURE": "false",
        "FLASK_STORAGE_URL": app.config["STORAGE_URL"], "FLASK_S3_ENDPOINT_URL": seaweed.endpoint}
    first = Server(env)
    try:
        second = Server(env)
    except Exception:
        first.stop()
        raise
    yield first, second
    first.stop()
    second.stop()


def log_in(server: Server, username: str) -> tuple[requests.Session, str]:
    """A browser's session, logged in through the form; and the CSRF token its pages carry for htmx."""
    browser = requests.Session()
    page = browser.get(f"{server.url}/auth/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = browser.post(f"{server.url}/auth/login", allow_redirects=False,
                            data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    page = browser.get(f"{server.url}/").text
    return browser, re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


def test_what_one_server_writes_the_other_serves_at_once(app, servers):
    first, second = servers
    lead = make_user(Role.INSPECTOR, username="lead")
    template = make_template(status=TemplateStatus.PUBLISHED, items=3)
    inspection = make_inspection(status=InspectionStatus.IN_PROGRESS, lead=lead, template=template)
    item = template.items[0]
    db.session.commit()
    browser, token = log_in(first, "lead")
    checklist = f"/inspections/{inspection.id}/checklist"
    assert "Chưa niêm yết" not in browser.get(second.url + checklist).text  # the second server draws it once

    # An answer saved through the first shows at once on the second's checklist page.
    saved = browser.post(f"{first.url}/inspections/{inspection.id}/answers/{item.id}",
                         headers={"HX-Request": "true", "X-CSRFToken": token},
                         data={f"a{item.id}-result": "fail", f"a{item.id}-note": "Chưa niêm yết thủ tục",
                               f"a{item.id}-version": "0"})
    assert saved.status_code == 200, saved.text
    assert "Chưa niêm yết thủ tục" in browser.get(second.url + checklist).text

    # A photo uploaded through the first downloads through the second.
    photo = png(color="red")
    uploaded = browser.post(f"{first.url}/inspections/{inspection.id}/items/{item.id}/evidence",
                            headers={"X-CSRFToken": token}, files={"file": ("anh.png", photo, "image/png")},
                            allow_redirects=False)
    assert uploaded.status_code == 303, uploaded.text
    attachment = db.session.scalar(sa.select(Answer).where(Answer.item_id == item.id)).attachments[0]
    download = browser.get(f"{second.url}/inspections/evidence/{attachment.id}")
    assert download.status_code == 200 and download.headers["Content-Type"] == "image/jpeg"
    assert len(download.content) == attachment.size
    assert storage.current().exists(storage.evidence_key(attachment.sha256))  # in the bucket both read


def test_documents_finalised_on_two_servers_take_the_next_numbers(app, servers):
    first, second = servers
    lead = make_user(Role.INSPECTOR, username="lead")
    body = make_body()
    drafts = [ready_minutes(lead, reviewing_inspection(lead, body), day=date.today()) for _ in range(2)]
    browser, token = log_in(first, "lead")
    for server, document in zip(servers, drafts):
        response = browser.post(f"{server.url}/documents/{document.id}/finalise", headers={"X-CSRFToken": token},
                                allow_redirects=False)
        assert response.status_code == 303, response.text
    db.session.expire_all()
    numbers = [db.session.get(Document, d.id).number for d in drafts]
    assert numbers == ["01/BB-ĐKT", "02/BB-ĐKT"]
