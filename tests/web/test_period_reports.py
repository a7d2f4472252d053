"""The periodic report over HTTP: a leader chooses the period and units beside the dashboard, edits the
first drafts beside a live preview, finalises and downloads it; a wrong period comes back beside its
field; the staff read issued reports, unit heads never."""
import io
from datetime import date

import pytest
import sqlalchemy as sa
from docx import Document as WordDocument

from app.extensions import db
from app.models import Document, DocumentKind, DocumentStatus, Role, UnitKind
from app.services import period_reports
from tests.conftest import HX, login
from tests.factories import make_user
from tests.services.test_period_reports import body, leader, world  # noqa: F401


def new_report(client, body, **changes):
    data = {"period": "h1", "year": "2026", "scope": "", "issuing_body": body.id} | changes
    return client.post("/secretariat/reports", data=data)


def form_data(document, **changes):
    return {"date": "2026-07-10", "row_version": document.row_version} | period_reports.texts_of(document) | changes


def test_the_leader_writes_and_finalises_a_half_year_report(instance, client, leader, body, world):
    login(client, leader)
    page = client.get("/reports/").get_data(as_text=True)
    assert 'href="/secretariat/reports"' in page
    page = client.get("/secretariat/reports").get_data(as_text=True)
    assert 'id="new-report"' in page and "Quý I" in page and "6 tháng đầu năm" in page
    response = new_report(client, body, period="dates", start="2026-05-01", end="2026-04-01")
    assert response.status_code == 422 and 'id="end-error"' in response.get_data(as_text=True)
    response = new_report(client, body)
    assert response.status_code == 303
    document = db.session.scalar(sa.select(Document).where(Document.kind == DocumentKind.REPORT))
    assert response.headers["Location"].endswith(f"/secretariat/{document.id}/edit")
    assert (document.period_start, document.period_end) == (date(2026, 1, 1), date(2026, 6, 30))
    page = client.get(f"/secretariat/{document.id}/edit").get_data(as_text=True)
    assert "Trong 6 tháng đầu năm 2026, đã tiến hành 1/1 cuộc kiểm tra" in page and 'name="achievements"' in page
    fragment = client.post(f"/secretariat/{document.id}/preview", headers=HX,
                           data=form_data(document, causes="Một nguyên nhân mới")).get_data(as_text=True)
    assert "<html" not in fragment and "Một nguyên nhân mới" in fragment
    response = client.post(f"/secretariat/{document.id}/edit", data=form_data(document, causes="x" * 10001,
                                                                               proposals="Giữ đề xuất này"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="causes-error"' in page and "Giữ đề xuất này" in page
    assert client.post(f"/secretariat/{document.id}/edit", data=form_data(document)).status_code == 303
    assert client.post(f"/secretariat/{document.id}/finalise").status_code == 303
    db.session.refresh(document)
    assert document.status == DocumentStatus.FINAL and document.number == "01/BC-BCĐ"
    word = client.get(f"/secretariat/{document.id}/docx")
    assert 'filename="01-BC-BCD.docx"' in word.headers["Content-Disposition"]
    assert "BÁO CÁO" in [p.text for p in WordDocument(io.BytesIO(word.data)).paragraphs]
    page = client.get("/secretariat/reports").get_data(as_text=True)
    assert "01/BC-BCĐ" in page


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.UNIT_HEAD])
def test_others_read_issued_reports_only_if_they_see_the_dashboard(instance, client, app, leader, body, world, role):
    login(client, leader)
    assert new_report(client, body, scope=UnitKind.COMMUNE.value).status_code == 303
    document = db.session.scalar(sa.select(Document).where(Document.kind == DocumentKind.REPORT))
    reader = login(app.test_client(), make_user(role))
    assert reader.get(f"/secretariat/{document.id}").status_code == 404
    assert client.post(f"/secretariat/{document.id}/edit", data=form_data(document)).status_code == 303
    assert client.post(f"/secretariat/{document.id}/finalise").status_code == 303
    if role == Role.UNIT_HEAD:
        assert reader.get("/secretariat/reports").status_code == 404
        assert reader.get(f"/secretariat/{document.id}").status_code == 404
        assert reader.get(f"/secretariat/{document.id}/pdf").status_code == 404
    else:
        page = reader.get("/secretariat/reports").get_data(as_text=True)
        assert "01/BC-BCĐ" in page and 'id="new-report"' not in page
        assert reader.get(f"/secretariat/{document.id}").status_code == 200
        assert new_report(reader, body).status_code == 403
        assert reader.post(f"/secretariat/{document.id}/correct").status_code == 403


def test_a_wrong_period_or_scope_comes_back_beside_its_field_with_the_choices_kept(instance, client, leader, body,
                                                                                   world):
    login(client, leader)
    response = new_report(client, body, period="dates", start="2026-05-01", end="2026-04-01", scope="commune")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Ngày kết thúc kỳ báo cáo trước ngày bắt đầu." in page
    assert 'value="2026-05-01"' in page and '<option selected value="commune">' in page
    response = new_report(client, body, period="q3", year="2026", scope=UnitKind.PRESS.value)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="scope-error"' in page
    assert "Không có cơ quan, đơn vị nào thuộc khối này" in page and '<option selected value="q3">' in page
    assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 0
    assert new_report(client, body, period="q3", year="2026", scope=UnitKind.COMMUNE.value).status_code == 303
    page = client.get("/secretariat/reports").get_data(as_text=True)
    assert "01/07/2026 – 30/09/2026 · UBND cấp xã" in page  # which units, beside the period
