"""The plan document over HTTP: the leader starts it from the Kế hoạch năm page, edits it beside a live
preview (htmx; 422 beside the field without losing the text), finalises, prints, downloads PDF and
Word, uploads the signed scan and writes an amended plan when inspections changed; others read only
the issued plan, and the inspections' document routes never show a plan."""
import io
from datetime import date

import pytest
import sqlalchemy as sa
from docx import Document as WordDocument
from pypdf import PdfReader

from app import clock
from app.documents.output import render_body
from app.extensions import db
from app.models import Document, DocumentKind, DocumentStatus, Role
from app.services import plan_documents
from tests.conftest import HX, login
from tests.factories import make_inspection, make_unit, make_user
from tests.images import png
from tests.services.test_plan_documents import body, leader, plan_year  # noqa: F401

S = DocumentStatus


@pytest.fixture
def planned(leader):
    return plan_year(leader)


def form_data(document, **changes):
    texts = plan_documents.texts_of(document)
    return {"date": "2026-01-15", "row_version": document.row_version} | texts | changes


def start_plan(client, body) -> Document:
    response = client.post("/secretariat/plans/2026/start", data={"issuing_body": body.id})
    assert response.status_code == 303, response.get_data(as_text=True)
    document = db.session.scalar(sa.select(Document).where(Document.kind == DocumentKind.PLAN))
    assert response.headers["Location"].endswith(f"/secretariat/{document.id}/edit")
    return document


def issue_plan(client, body) -> Document:
    document = start_plan(client, body)
    assert client.post(f"/secretariat/{document.id}/edit", data=form_data(document)).status_code == 303
    assert client.post(f"/secretariat/{document.id}/finalise").status_code == 303
    db.session.refresh(document)
    return document


def test_the_leader_writes_previews_and_finalises_the_plan(instance, client, leader, body, planned):
    login(client, leader)
    page = client.get("/inspections/plan?year=2026").get_data(as_text=True)
    assert 'id="plan-documents"' in page and 'action="/secretariat/plans/2026/start"' in page and body.name in page
    document = start_plan(client, body)
    page = client.get(f"/secretariat/{document.id}/edit").get_data(as_text=True)
    assert f'hx-post="/secretariat/{document.id}/preview"' in page and "III. Đối tượng và thời gian kiểm tra" in page
    assert "Sở Tư pháp" in page  # the table of units by month, drawn from the inspections
    fragment = client.post(f"/secretariat/{document.id}/preview", headers=HX,
                           data=form_data(document, purpose="Đánh giá việc thực hiện Chỉ thị 26.")).get_data(
        as_text=True)
    assert "<html" not in fragment and "Đánh giá việc thực hiện Chỉ thị 26." in fragment
    assert "Kon Tum, ngày 15 tháng 01 năm 2026" in fragment
    db.session.refresh(document)
    assert "Chỉ thị 26." not in document.texts["purpose"]
    # Too long a text comes back beside its field, what was typed elsewhere kept.
    response = client.post(f"/secretariat/{document.id}/edit",
                           data=form_data(document, organisation="x" * 10001, purpose="Giữ điều tôi vừa viết"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="organisation-error"' in page and "Giữ điều tôi vừa viết" in page
    # Finalising with a part missing says which, then saving and finalising numbers it.
    assert client.post(f"/secretariat/{document.id}/edit", data=form_data(document, recipients="")).status_code == 303
    response = client.post(f"/secretariat/{document.id}/finalise")
    assert response.status_code == 422 and 'id="finalise-problems"' in response.get_data(as_text=True)
    db.session.refresh(document)
    assert client.post(f"/secretariat/{document.id}/edit",
                       data=form_data(document, recipients="Thành viên Ban Chỉ đạo;\nLưu: VT.")).status_code == 303
    assert client.post(f"/secretariat/{document.id}/finalise").status_code == 303
    db.session.refresh(document)
    assert document.status == S.FINAL and document.number == "01/KH-BCĐ"
    assert client.get(f"/secretariat/{document.id}/edit").status_code == 403  # frozen
    page = client.get("/inspections/plan?year=2026").get_data(as_text=True)
    assert "Kế hoạch kiểm tra 01/KH-BCĐ" in page and 'action="/secretariat/plans/2026/start"' not in page


def test_print_view_pdf_word_and_signed_scan(instance, client, leader, body, planned):
    login(client, leader)
    document = issue_plan(client, body)
    html = client.get(f"/secretariat/{document.id}/print").get_data(as_text=True)
    assert "size: A4" in html and "Số: 01/KH-BCĐ" in html and f'href="/secretariat/{document.id}"' in html
    pdf = client.get(f"/secretariat/{document.id}/pdf")
    assert pdf.mimetype == "application/pdf" and 'filename="01-KH-BCD.pdf"' in pdf.headers["Content-Disposition"]
    text = " ".join(PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split())
    assert "Số: 01/KH-BCĐ" in text and "KẾ HOẠCH" in text
    word = client.get(f"/secretariat/{document.id}/docx")
    assert 'filename="01-KH-BCD.docx"' in word.headers["Content-Disposition"]
    assert "KẾ HOẠCH" in [p.text for p in WordDocument(io.BytesIO(word.data)).paragraphs]
    response = client.post(f"/secretariat/{document.id}/signed", data={"file": (io.BytesIO(b""), "")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "chọn bản quét văn bản đã ký" in response.get_data(as_text=True)
    response = client.post(f"/secretariat/{document.id}/signed", data={"file": (io.BytesIO(png()), "ky.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    db.session.refresh(document)
    assert document.status == S.SIGNED
    scan = client.get(f"/secretariat/{document.id}/signed")
    assert scan.status_code == 200 and scan.data.startswith(b"\xff\xd8")  # the photo, kept as a JPEG
    scan.close()


def test_an_amended_plan_is_offered_once_inspections_changed(instance, client, leader, body, planned):
    login(client, leader)
    plan = issue_plan(client, body)
    assert 'action="/secretariat/plans/2026/amend"' not in client.get("/inspections/plan?year=2026").get_data(as_text=True)
    make_inspection(unit=make_unit(name="Sở Công Thương"), planned_start=date(2026, 10, 5),
                    planned_end=date(2026, 10, 6))
    page = client.get("/inspections/plan?year=2026").get_data(as_text=True)
    assert 'action="/secretariat/plans/2026/amend"' in page and 'id="plan-changes"' in page
    response = client.post("/secretariat/plans/2026/amend")
    assert response.status_code == 303
    amendment = db.session.scalar(sa.select(Document).where(Document.amends_id == plan.id))
    page = client.get(f"/secretariat/{amendment.id}/edit").get_data(as_text=True)
    assert "Sở Công Thương" in page and "Kế hoạch số 01/KH-BCĐ" in page and 'name="purpose"' not in page
    assert client.post(f"/secretariat/{amendment.id}/edit", data=form_data(amendment, date="2026-09-01")).status_code == 303
    assert client.post(f"/secretariat/{amendment.id}/finalise").status_code == 303
    db.session.refresh(amendment)
    assert amendment.number == "02/KH-BCĐ" and amendment.label == "Kế hoạch kiểm tra điều chỉnh, bổ sung 02/KH-BCĐ"


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.UNIT_HEAD])
def test_others_read_only_the_issued_plan(instance, client, app, leader, body, planned, role):
    login(client, leader)
    draft = start_plan(client, body)
    reader = login(app.test_client(), make_user(role))
    assert reader.get(f"/secretariat/{draft.id}").status_code == 404
    assert reader.get(f"/secretariat/{draft.id}/pdf").status_code == 404
    assert reader.post("/secretariat/plans/2026/start", data={"issuing_body": body.id}).status_code == 403
    assert 'action="/secretariat/plans/2026/start"' not in reader.get("/inspections/plan?year=2026").get_data(as_text=True)
    assert client.post(f"/secretariat/{draft.id}/edit", data=form_data(draft)).status_code == 303
    assert client.post(f"/secretariat/{draft.id}/finalise").status_code == 303
    page = reader.get(f"/secretariat/{draft.id}")
    assert page.status_code == 200 and "01/KH-BCĐ" in page.get_data(as_text=True)
    assert reader.post(f"/secretariat/{draft.id}/correct").status_code == 403
    # The inspections' document routes never show a plan, even to a leader.
    assert client.get(f"/documents/{draft.id}").status_code == 404


def test_a_unit_head_finds_the_years_plan_from_the_home_page_and_the_menu(instance, app, leader, body):
    year = clock.local_today().year
    unit = make_unit(name="UBND huyện Kon Plông")
    make_inspection(unit=unit, planned_start=date(year, 3, 10), planned_end=date(year, 3, 11))
    head = login(app.test_client(), make_user(Role.UNIT_HEAD, unit=unit))
    page = head.get("/").get_data(as_text=True)
    assert 'id="todo-plans"' in page and f"Kế hoạch năm {year} chưa được ban hành." in page
    assert 'href="/inspections/plan"' in page  # "Kế hoạch năm" in the menu
    plan = plan_documents.start_plan(leader, year, body)
    plan_documents.update_draft(leader, plan, plan.row_version, date(year, 1, 15), plan_documents.texts_of(plan))
    plan_documents.finalise_draft(leader, plan, render_body)
    page = head.get("/").get_data(as_text=True)
    assert f'href="/secretariat/{plan.id}"' in page and f"Kế hoạch kiểm tra {plan.number}" in page
    assert f'href="/inspections/plan?year={year}"' in page
    assert head.get(f"/secretariat/{plan.id}").status_code == 200


def test_a_second_tab_saving_an_older_version_is_refused_and_keeps_its_text(instance, client, leader, body, planned):
    login(client, leader)
    document = start_plan(client, body)
    first_tab = client.get(f"/secretariat/{document.id}/edit").get_data(as_text=True)
    assert f'name="row_version" type="hidden" value="{document.row_version}"' in first_tab
    older = form_data(document, purpose="Điều viết ở thẻ thứ hai")
    saved = client.post(f"/secretariat/{document.id}/edit", data=form_data(document, purpose="Thẻ thứ nhất"))
    assert saved.status_code == 303
    response = client.post(f"/secretariat/{document.id}/edit", data=older)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Người khác vừa thay đổi văn bản này" in page
    assert "Điều viết ở thẻ thứ hai" in page  # what was typed in the second tab is kept in the form
    db.session.refresh(document)
    assert document.texts["purpose"] == "Thẻ thứ nhất"
