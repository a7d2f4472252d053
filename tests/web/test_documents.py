"""Documents over HTTP: the team lead writes and finalises the minutes (live preview with htmx, 422
beside the field without losing the text), prints them, downloads PDF and Word, uploads the signed
scan; the leader issues the conclusion; the unit head reads their own unit's documents only."""
import io

import pytest
import sqlalchemy as sa
from docx import Document as WordDocument
from pypdf import PdfReader

from app.extensions import db
from app.models import Document, DocumentStatus, Finding, FindingStatus, InspectionStatus, IssuingBody, Role
from tests.conftest import HX, login
from tests.factories import make_finding, make_unit, make_user
from tests.images import png
# The same documents world as the service tests: their helpers and fixtures.
from tests.services.test_documents import MINUTES_TEXTS, body, head, inspection, lead  # noqa: F401

S = DocumentStatus


def form_data(document, **changes):
    """The editor's form as the page draws it, with `changes`."""
    from app.services import documents

    texts = documents.texts_of(document)
    data = {"date": "2026-03-11", "place": document.place, "row_version": document.row_version}
    for name, value in texts.items():
        if name == "include_photos":
            if value:
                data[name] = "y"
        else:
            data[name] = str(value)
    return data | changes


def start_minutes(client, inspection) -> Document:
    response = client.post(f"/documents/inspections/{inspection.id}/minutes")
    assert response.status_code == 303, response.get_data(as_text=True)
    document = db.session.scalar(sa.select(Document).where(Document.inspection_id == inspection.id))
    assert response.headers["Location"].endswith(f"/documents/{document.id}/edit")
    return document


def test_the_team_lead_writes_previews_and_finalises_the_minutes(instance, inspection, lead, head, client):
    login(client, lead)
    page = client.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    assert 'id="inspection-documents"' in page and f"/documents/inspections/{inspection.id}/minutes" in page
    document = start_minutes(client, inspection)
    page = client.get(f"/documents/{document.id}/edit").get_data(as_text=True)
    assert 'hx-post="/documents/%d/preview"' % document.id in page and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page
    assert "Phạm Văn Hà — Chủ tịch UBND huyện" in page  # the unit's side, proposed from its head
    # htmx: the preview follows what is typed, nothing is saved
    fragment = client.post(f"/documents/{document.id}/preview", headers=HX,
                           data=form_data(document, unit_opinion="Đơn vị nhất trí, xin bổ sung hồ sơ.")).get_data(
        as_text=True)
    assert "<html" not in fragment and "Đơn vị nhất trí, xin bổ sung hồ sơ." in fragment
    assert "Kon Tum, ngày 11 tháng 3 năm 2026" in fragment
    db.session.refresh(document)
    assert document.texts["unit_opinion"] == ""
    # a wrong number comes back beside its field, the text typed kept
    response = client.post(f"/documents/{document.id}/edit",
                           data=form_data(document, copies="ba", unit_opinion="Giữ nguyên điều tôi vừa viết"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="copies-error"' in page and "Giữ nguyên điều tôi vừa viết" in page
    # saving, then finalising
    response = client.post(f"/documents/{document.id}/edit", data=form_data(document, **MINUTES_TEXTS))
    assert response.status_code == 303
    response = client.post(f"/documents/{document.id}/finalise")
    assert response.status_code == 303
    db.session.refresh(document)
    assert document.status == S.FINAL and document.number == "01/BB-ĐKT"
    assert client.get(f"/documents/{document.id}/edit").status_code == 403  # frozen


def test_finalising_with_parts_missing_says_which(instance, inspection, lead, client):
    login(client, lead)
    document = start_minutes(client, inspection)
    response = client.post(f"/documents/{document.id}/finalise")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="finalise-problems"' in page
    db.session.refresh(document)
    assert document.status == S.DRAFT and document.number is None


def finalised_minutes(client, inspection) -> Document:
    document = start_minutes(client, inspection)
    assert client.post(f"/documents/{document.id}/edit", data=form_data(document, **MINUTES_TEXTS)).status_code == 303
    assert client.post(f"/documents/{document.id}/finalise").status_code == 303
    db.session.refresh(document)
    return document


def test_print_view_pdf_and_word_of_one_document(instance, inspection, lead, head, client):
    login(client, lead)
    document = finalised_minutes(client, inspection)
    page = client.get(f"/documents/{document.id}/print")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "@page" in html and "size: A4" in html and 'class="toolbar"' in html
    assert "Số: 01/BB-ĐKT" in html and "Độc lập - Tự do - Hạnh phúc" in html
    pdf = client.get(f"/documents/{document.id}/pdf")
    assert pdf.mimetype == "application/pdf" and 'filename="01-BB-DKT.pdf"' in pdf.headers["Content-Disposition"]
    text = " ".join(PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split())
    assert "Số: 01/BB-ĐKT" in text and "BIÊN BẢN" in text
    word = client.get(f"/documents/{document.id}/docx")
    assert word.mimetype.endswith("wordprocessingml.document")
    paragraphs = [p.text for p in WordDocument(io.BytesIO(word.data)).paragraphs]
    assert "BIÊN BẢN" in paragraphs


def test_signed_scan_unit_head_access_and_the_conclusion(instance, inspection, lead, head, client, app):
    make_finding(inspection, title="Chưa niêm yết thủ tục", recommendation="Niêm yết đầy đủ")
    login(client, lead)
    document = finalised_minutes(client, inspection)
    # the unit head reads the final minutes (to sign them), no other unit head does
    unit_head = login(app.test_client(), head)
    assert unit_head.get(f"/documents/{document.id}").status_code == 200
    assert unit_head.get(f"/documents/{document.id}/pdf").status_code == 200
    assert unit_head.post(f"/documents/{document.id}/signed", data={"file": (io.BytesIO(png()), "scan.png")},
                          content_type="multipart/form-data").status_code == 403
    stranger = login(app.test_client(), make_user(Role.UNIT_HEAD, unit=make_unit()))
    for url in (f"/documents/{document.id}", f"/documents/{document.id}/pdf", f"/documents/{document.id}/docx",
                f"/documents/{document.id}/print"):
        assert stranger.get(url).status_code == 404
    # a refused file comes back beside the field; the scan itself signs the minutes
    response = client.post(f"/documents/{document.id}/signed", data={"file": (io.BytesIO(b"text"), "scan.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and 'id="file-error"' in response.get_data(as_text=True)
    response = client.post(f"/documents/{document.id}/signed", data={"file": (io.BytesIO(png()), "scan.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    db.session.refresh(document)
    db.session.refresh(inspection)
    assert document.status == S.SIGNED and inspection.status == InspectionStatus.MINUTES_SIGNED
    scan = unit_head.get(f"/documents/{document.id}/signed")
    assert scan.status_code == 200 and scan.data.startswith(b"\xff\xd8")  # the photo, kept as a JPEG
    scan.close()
    page = unit_head.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    assert f"/documents/{document.id}" in page and "01/BB-ĐKT" in page
    # the team lead does not issue the conclusion; the leader does, and so issues the findings
    assert client.post(f"/documents/inspections/{inspection.id}/conclusion").status_code == 403
    leader = login(app.test_client(), make_user(Role.LEADER))
    response = leader.post(f"/documents/inspections/{inspection.id}/conclusion")
    conclusion = db.session.scalar(sa.select(Document).where(Document.kind == "conclusion"))
    assert response.status_code == 303 and conclusion.status == S.DRAFT
    assert unit_head.get(f"/documents/{conclusion.id}").status_code == 404  # a draft is not the unit's yet
    assert leader.post(f"/documents/{conclusion.id}/finalise").status_code == 303
    finding = db.session.scalar(sa.select(Finding))
    db.session.refresh(inspection)
    assert finding.status == FindingStatus.OPEN and inspection.status == InspectionStatus.CONCLUDED
    assert finding.code in unit_head.get(f"/documents/{conclusion.id}").get_data(as_text=True)


def test_a_signed_document_is_corrected_by_a_new_one(instance, inspection, lead, head, client):
    login(client, lead)
    document = finalised_minutes(client, inspection)
    client.post(f"/documents/{document.id}/signed", data={"file": (io.BytesIO(png()), "scan.png")},
                content_type="multipart/form-data")
    assert client.post(f"/documents/{document.id}/edit", data=form_data(document)).status_code == 403
    response = client.post(f"/documents/{document.id}/correct")
    correction = db.session.scalar(sa.select(Document).where(Document.corrects_id == document.id))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/documents/{correction.id}/edit")
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert f"/documents/{correction.id}" in page


@pytest.mark.parametrize("role", ["inspector", "unit_head"])
def test_others_cannot_start_or_see_drafts(instance, inspection, lead, client_as, role):
    other = client_as(role)
    assert other.post(f"/documents/inspections/{inspection.id}/minutes").status_code in (403, 404)
    assert db.session.scalar(sa.select(Document)) is None


def test_admin_sets_the_number_patterns_of_an_issuing_body(as_admin, body):
    data = {"code": body.code, "name": body.name, "abbreviation": "BCĐ", "place_name": "Kon Tum",
            "minutes_number_pattern": "BB-ĐKT", "conclusion_number_pattern": "{n}/TB-{abbr}", "active": "y"}
    response = as_admin.post(f"/admin/issuing-bodies/{body.id}", data=data)
    assert response.status_code == 422 and 'id="minutes_number_pattern-error"' in response.get_data(as_text=True)
    response = as_admin.post(f"/admin/issuing-bodies/{body.id}", data=data | {"plan_number_pattern": "KH-{abbr}"})
    assert response.status_code == 422 and 'id="plan_number_pattern-error"' in response.get_data(as_text=True)
    response = as_admin.post(f"/admin/issuing-bodies/{body.id}", data=data | {"minutes_number_pattern": "{n}/BB-ĐKT-SNV",
                                                                            "plan_number_pattern": "{n}/KH-BCĐ"})
    assert response.status_code == 303
    db.session.expire_all()
    saved = db.session.get(IssuingBody, body.id)
    assert (saved.minutes_number_pattern, saved.plan_number_pattern) == ("{n}/BB-ĐKT-SNV", "{n}/KH-BCĐ")


def test_appendix_photos_are_served_only_for_the_documents_own_evidence(instance, inspection, lead, client):
    from app.services import evidence

    inspection.status = InspectionStatus.IN_PROGRESS
    db.session.commit()
    attachment = evidence.store_evidence(lead, inspection, inspection.template.items[0], "anh.png", png())
    inspection.status = InspectionStatus.REVIEWING
    db.session.commit()
    login(client, lead)
    document = start_minutes(client, inspection)
    photo = client.get(f"/documents/{document.id}/photos/{attachment.sha256}")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    photo.close()
    assert client.get(f"/documents/{document.id}/photos/{'0' * 64}").status_code == 404
    assert f"/documents/{document.id}/photos/{attachment.sha256}" in client.get(
        f"/documents/{document.id}/print").get_data(as_text=True)


def test_document_pages_style_themselves_under_the_content_security_policy(instance, inspection, lead, client):
    """The A4 stylesheet is an inline <style>: each response names its own nonce, and nothing else is inline."""
    import re

    login(client, lead)
    document = finalised_minutes(client, inspection)
    for url in (f"/documents/{document.id}", f"/documents/{document.id}/print"):
        page = client.get(url)
        html = page.get_data(as_text=True)
        [nonce] = set(re.findall(r'<style nonce="([^"]+)"', html))
        assert f"style-src 'self' 'nonce-{nonce}'" in page.headers["Content-Security-Policy"]
        assert "unsafe" not in page.headers["Content-Security-Policy"]
        assert " style=" not in html and "onclick" not in html and "<style>" not in html
    assert "data-print" in client.get(f"/documents/{document.id}/print").get_data(as_text=True)
    # The PDF is still made from the same page (WeasyPrint ignores the nonce).
    pdf = client.get(f"/documents/{document.id}/pdf")
    assert "BIÊN BẢN" in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
