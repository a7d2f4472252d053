"""The CCHC index over HTTP: the template download, the import page with its errors, the year's page
and heat map, proposals from weak fields, the unit's page, the dashboard and its units export; rights."""
import io

import pytest
from openpyxl import load_workbook

from app.extensions import db
from app.models import FollowUpItem, FollowUpStatus, Role
from app.services import cchc_index
from tests.conftest import login
from tests.factories import make_unit, make_user
from tests.services.test_cchc_index import good_file, workbook


@pytest.fixture
def leader(app):
    return make_user(Role.LEADER, username="leader")


@pytest.fixture
def units(app):
    return make_unit(code="STP", name="Sở Tư pháp"), make_unit(code="H-DAKHA", name="UBND huyện Đắk Hà")


def test_a_leader_downloads_the_template_and_imports_a_year(client, leader, units):
    login(client, leader)
    template = client.get("/cchc-index/template.xlsx")
    assert load_workbook(io.BytesIO(template.data)).sheetnames == ["Tổng hợp", "Điểm thành phần"]
    bad = client.post("/cchc-index/import", content_type="multipart/form-data", data={
        "year": "2022", "file": (io.BytesIO(workbook([["XYZ", "", 50, 100, None, ""]], [])), "chi-so.xlsx")})
    assert bad.status_code == 422 and "Chưa có dữ liệu nào được nhập" in bad.text and "XYZ" in bad.text
    good = client.post("/cchc-index/import", content_type="multipart/form-data", data={
        "year": "2022", "file": (io.BytesIO(good_file()), "chi-so.xlsx")})
    assert good.status_code == 303
    page = client.get("/cchc-index/?year=2022").text
    assert "Sở Tư pháp" in page and 'id="index-heat"' in page and "84,5" in page


def test_weak_fields_propose_remediation_items_a_leader_then_confirms(client, leader, units):
    cchc_index.import_index(leader, 2022, good_file())
    login(client, leader)
    response = client.post("/cchc-index/2022/propose")
    assert response.status_code == 303 and "status=proposed" in response.headers["Location"]
    listed = client.get(response.headers["Location"]).text
    assert "Tỷ lệ hồ sơ đúng hạn" in listed
    item = db.session.scalar(db.select(FollowUpItem).where(FollowUpItem.criterion_code == "III.2"))
    assert item.status == FollowUpStatus.PROPOSED
    assert client.post(f"/follow-ups/{item.id}/confirm", data={"confirm-due_date": "2099-12-31"}).status_code == 303


def test_the_unit_page_shows_its_index_and_a_unit_head_only_their_own(client, leader, units):
    cchc_index.import_index(leader, 2022, good_file())
    login(client, make_user(Role.UNIT_HEAD, unit=units[0]))
    page = client.get(f"/findings/units/{units[0].id}").text
    assert 'id="unit-index"' in page and "84,5" in page
    assert client.get(f"/findings/units/{units[1].id}").status_code == 404
    assert client.get("/cchc-index/").status_code == 403
    assert client.get("/cchc-index/import").status_code == 403


def test_only_leaders_and_administrators_import_and_propose(client, units):
    login(client, make_user(Role.INSPECTOR))
    assert client.get("/cchc-index/").status_code == 200
    assert client.get("/cchc-index/import").status_code == 403
    assert client.post("/cchc-index/2022/propose").status_code == 403


def test_the_dashboard_and_its_units_export_show_tasks_and_the_index(client, leader, units):
    cchc_index.import_index(leader, 2022, good_file())
    login(client, leader)
    page = client.get("/reports/?year=2023").text
    assert 'id="chart-index-heat"' in page and "84.5" in page
    export = client.get("/reports/export/units.csv?year=2023")
    text = export.data.decode("utf-8-sig")
    assert "Chỉ số CCHC 2022" in text and "Sở Tư pháp" in text and "84.5" in text
    printed = client.get("/reports/print?year=2023").text
    assert 'id="print-index-heat"' in printed and "Chỉ số CCHC năm 2022" in printed
