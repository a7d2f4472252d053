"""The server's part of offline field work: the worker, the manifest, the offline page, the session the
outbox sends with, the headers the worker reads, and static files under hashed URLs."""
import re

import pytest

from app.models import InspectionStatus, Role
from tests.conftest import HX, login
from tests.factories import make_inspection, make_user


def test_the_worker_is_served_from_the_root_with_the_assets_it_keeps(client):
    response = client.get("/sw.js")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"  # a release is picked up at once
    assert re.search(r'"/static/css/app\.css\?v=[0-9a-f]{12}"', body)
    assert re.search(r'importScripts\("/static/js/service-worker\.js\?v=[0-9a-f]{12}"\)', body)
    assert '"offlinePage": "/offline"' in body


def test_a_changed_asset_is_a_new_worker(app, client):
    before = client.get("/sw.js").get_data()
    css = app.static_folder + "/css/app.css"
    with open(css, "rb") as f:
        original = f.read()
    try:
        with open(css, "ab") as f:
            f.write(b"\n/* changed */\n")
        assert client.get("/sw.js").get_data() != before
    finally:
        with open(css, "wb") as f:
            f.write(original)


def test_manifest_makes_an_installable_app(client):
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    data = manifest.get_json()
    assert data["short_name"] == "Kiểm Tra" and data["lang"] == "vi"
    assert data["display"] == "standalone" and data["start_url"] == "/" and data["scope"] == "/"
    assert {icon["sizes"] for icon in data["icons"]} == {"192x192", "512x512"}
    assert any(icon["purpose"] == "maskable" for icon in data["icons"])
    for icon in data["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200 and response.mimetype == "image/png"


def test_pages_of_a_logged_in_user_link_the_manifest_and_the_worker(client, lead):
    login(client, lead)
    page = client.get("/").get_data(as_text=True)
    assert 'rel="manifest" href="/manifest.webmanifest"' in page
    assert f'data-user="{lead.id}" data-worker="/sw.js"' in page
    assert 'id="outbox-status"' in page


def test_the_login_page_registers_no_worker(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert "data-worker" not in page and "outbox.js" not in page


def test_offline_page_names_nobody_whoever_asks(client, lead):
    """The worker keeps one copy for everyone on the tablet."""
    login(client, lead)
    response = client.get("/offline")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Làm việc ngoại tuyến" in page and "Đang chờ gửi" in page
    assert lead.full_name not in page and "Đăng xuất" not in page and "data-user" not in page
    assert "js/offline.js" in page  # it draws the tablet's queue and kept pages


def test_session_gives_the_outbox_its_user_and_token(client, lead):
    anonymous = client.get("/offline/session")
    assert anonymous.status_code == 401 and anonymous.get_json()["user"] is None
    login(client, lead)
    response = client.get("/offline/session")
    assert response.get_json()["user"] == lead.id and response.get_json()["csrf"]
    assert "no-store" in response.headers["Cache-Control"]


def test_pages_name_their_user_for_the_worker(client, lead, inspection):
    assert "X-User" not in client.get("/auth/login").headers
    login(client, lead)
    assert client.get(f"/inspections/{inspection.id}/checklist").headers["X-User"] == str(lead.id)
    assert "X-User" not in client.get("/static/js/app.js").headers  # no user is loaded for a static file


def test_checklist_stamp_changes_with_its_answers(client, lead, inspection, item):
    login(client, lead)
    url = f"/inspections/{inspection.id}/checklist"
    before = client.get(url).headers["X-Answers-Stamp"]
    assert client.get(url).headers["X-Answers-Stamp"] == before
    client.post(f"/inspections/{inspection.id}/answers/{item.id}", data={f"a{item.id}-result": "pass"}, headers=HX)
    assert client.get(url).headers["X-Answers-Stamp"] != before


def test_download_button_lists_the_users_field_work_only(app, client, lead, inspection):
    scheduled = make_inspection(status=InspectionStatus.SCHEDULED, lead=lead)
    done = make_inspection(status=InspectionStatus.REVIEWING, lead=lead)
    others = make_inspection(status=InspectionStatus.IN_PROGRESS)
    login(client, lead)
    page = client.get("/inspections/").get_data(as_text=True)
    assert "Tải về để làm ngoại tuyến" in page
    urls = re.search(r"data-urls='([^']*)'", page).group(1)
    assert f"/inspections/{inspection.id}/checklist" in urls and f"/inspections/{scheduled.id}/checklist" in urls
    assert f"/inspections/{done.id}/" not in urls and f"/inspections/{others.id}/" not in urls


def test_no_download_button_without_field_work(client, app):
    login(client, make_user(Role.LEADER))
    assert "Tải về để làm ngoại tuyến" not in client.get("/inspections/").get_data(as_text=True)


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_pages_and_assets_are_compressed(client, lead, inspection, encoding):
    login(client, lead)
    page = client.get(f"/inspections/{inspection.id}/checklist", headers={"Accept-Encoding": encoding})
    script = client.get(re.search(r'src="(/static/js/checklist\.js[^"]*)"', client.get(
        f"/inspections/{inspection.id}/checklist").get_data(as_text=True)).group(1),
        headers={"Accept-Encoding": encoding})
    assert page.headers["Content-Encoding"] == encoding and script.headers["Content-Encoding"] == encoding


def test_hashed_static_files_are_kept_a_year_and_others_revalidate(client):
    page = client.get("/auth/login").get_data(as_text=True)
    hashed = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]+)"', page).group(1)
    kept = client.get(hashed)
    assert kept.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for stale in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        assert client.get(stale).headers["Cache-Control"] == "no-cache"
