"""The year's inspection plan without HTTP: the draft drawn from the year's planned inspections, its
defaults and live preview, numbering from the issuing body's plan series, freezing, the signed scan,
corrections, the amended plan listing only what changed, who may read and write, and the outputs."""
import io
import unicodedata
from datetime import date

import pytest
import sqlalchemy as sa
from docx import Document as WordDocument
from pypdf import PdfReader

from app.documents.output import docx_bytes, laid_out, pdf_bytes, render_body
from app.extensions import db
from app.models import AuditEvent, Document, DocumentKind, DocumentStatus, InspectionStatus, IssuingBody, Role, User
from app.services import permissions, secretariat_documents
from app.services import plan_documents as service
from app.services.errors import NotPermitted, ValidationFailed
from tests.factories import make_inspection, make_unit, make_user
from tests.images import png
from tests.paper import overflowing_lines
from tests.services.test_documents import _pdf_fonts, make_body
from tests.threads import after_both_looked, in_threads

S = DocumentStatus


# --- helpers shared with the web tests -----------------------------------------------------------

def plan_year(leader):
    """Three inspections planned in 2026 (March, March, June), one cancelled, one in 2025."""
    member = make_user(Role.INSPECTOR, full_name="Lê Văn Thành", title="Chuyên viên")
    lead = make_user(Role.INSPECTOR, full_name="Trần Thị Kiểm", title="Phó Giám đốc Sở Nội vụ")
    dak_ha = make_unit(name="UBND huyện Đắk Hà")
    inspections = [
        make_inspection(unit=dak_ha, lead=lead, members=[member], planned_start=date(2026, 3, 10),
                        planned_end=date(2026, 3, 12), status=InspectionStatus.SCHEDULED),
        make_inspection(unit=make_unit(name="Sở Tư pháp"), lead=lead, planned_start=date(2026, 3, 24),
                        planned_end=date(2026, 3, 25)),
        make_inspection(unit=dak_ha, lead=lead, planned_start=date(2026, 6, 2), planned_end=date(2026, 6, 3)),
    ]
    make_inspection(unit=make_unit(name="Sở Y tế"), planned_start=date(2026, 4, 1), planned_end=date(2026, 4, 2),
                    status=InspectionStatus.CANCELLED)
    make_inspection(unit=make_unit(name="Sở Xây dựng"), planned_start=date(2025, 4, 1), planned_end=date(2025, 4, 2))
    return inspections


def issued_plan(leader, body, day=date(2026, 1, 15)):
    document = service.start_plan(leader, 2026, body)
    service.update_draft(leader, document, document.row_version, day, service.texts_of(document))
    return service.finalise_draft(leader, document, render_body)


@pytest.fixture
def body(app):
    return make_body()


@pytest.fixture
def leader(app):
    return make_user(Role.LEADER, username="boss")


@pytest.fixture
def planned(leader):
    return plan_year(leader)


# --- drafts --------------------------------------------------------------------------------------

def test_the_draft_is_drawn_from_the_years_planned_inspections(leader, body, planned):
    document = service.start_plan(leader, 2026, body)
    assert (document.kind, document.status, document.inspection_id) == (DocumentKind.PLAN, S.DRAFT, None)
    assert (document.period_start, document.period_end) == (date(2026, 1, 1), date(2026, 12, 31))
    data = service.compose(document)
    assert [row["unit"] for row in data["rows"]] == ["UBND huyện Đắk Hà", "Sở Tư pháp", "UBND huyện Đắk Hà"]
    assert [(month["month"], len(month["rows"])) for month in data["months"]] == [(3, 2), (6, 1)]
    assert data["units"] == 2
    assert data["rows"][0]["team"] == [
        {"name": "Trần Thị Kiểm", "title": "Phó Giám đốc Sở Nội vụ", "role": "Trưởng đoàn"},
        {"name": "Lê Văn Thành", "title": "Chuyên viên", "role": "Thành viên"}]
    assert {checklist["code"] for checklist in data["checklists"]} == {i.template.family for i in planned}
    assert data["texts"]["summary"] == "Kiểm tra công tác cải cách hành chính, công vụ năm 2026"
    assert data["texts"]["signer_name"] == "Nguyễn Văn Lãnh"
    html = render_body(data)
    for heading in ("I. Mục đích, yêu cầu", "II. Nội dung kiểm tra", "III. Đối tượng và thời gian kiểm tra",
                    "IV. Thành phần đoàn kiểm tra", "V. Tổ chức thực hiện", "Nơi nhận:", "Tháng 3", "Tháng 6"):
        assert heading in html
    assert "Sở Y tế" not in html and "Sở Xây dựng" not in html
    # Starting again finds the same draft.
    assert service.start_plan(leader, 2026, body).id == document.id


def test_the_preview_shows_unsaved_texts_and_saving_checks_them(leader, body, planned):
    document = service.start_plan(leader, 2026, body)
    data = service.preview(document, date(2026, 2, 3), service.texts_of(document) | {"purpose": "Mục đích mới"})
    assert "Mục đích mới" in render_body(data)
    assert data["date_line"] == "Kon Tum, ngày 03 tháng 02 năm 2026"
    assert "Mục đích mới" not in render_body(service.compose(document))
    with pytest.raises(ValidationFailed) as error:
        service.update_draft(leader, document, document.row_version, None,
                            service.texts_of(document) | {"organisation": "x" * 10001})
    assert error.value.field == "organisation"
    db.session.rollback()
    assert service.texts_of(document)["organisation"].startswith("1. Sở Nội vụ")


def test_only_leaders_and_administrators_write_plans(leader, body, planned):
    for role in (Role.INSPECTOR, Role.UNIT_HEAD):
        with pytest.raises(NotPermitted):
            service.start_plan(make_user(role), 2026, body)
    assert service.start_plan(make_user(Role.ADMIN), 2026, body).is_draft


def drafts(**where) -> list[int]:
    return list(db.session.scalars(sa.select(Document.id).filter_by(status=S.DRAFT, **where)))


def test_two_starts_at_once_make_one_draft(app, leader, body, planned, monkeypatch):
    """A double click on "Write the plan document": both requests find no draft and insert one; the
    unique index on open drafts refuses the second insert, whose request then opens the first's draft."""
    monkeypatch.setattr(service, "_first_plan_draft", after_both_looked(service._first_plan_draft))
    leader_id, body_id = leader.id, body.id

    def start(_n):
        return service.start_plan(db.session.get(User, leader_id), 2026, db.session.get(IssuingBody, body_id)).id

    first, second = in_threads(app, 2, start)
    assert first == second and drafts(kind=DocumentKind.PLAN) == [first]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "create", AuditEvent.entity == "document", AuditEvent.entity_id == first)) == 1


def test_two_amendments_or_corrections_at_once_make_one_draft(app, leader, body, planned, monkeypatch):
    plan = issued_plan(leader, body)
    make_inspection(unit=make_unit(name="Sở Y tế"), planned_start=date(2026, 9, 1), planned_end=date(2026, 9, 2))
    monkeypatch.setattr(service, "_draft_amendment", after_both_looked(service._draft_amendment))
    monkeypatch.setattr(secretariat_documents, "draft_correction",
                        after_both_looked(secretariat_documents.draft_correction))
    leader_id, plan_id = leader.id, plan.id
    amendments = in_threads(app, 2, lambda _n: service.start_amendment(db.session.get(User, leader_id), 2026).id)
    assert amendments[0] == amendments[1] and drafts(amends_id=plan_id) == [amendments[0]]
    corrections = in_threads(app, 2, lambda _n: service.start_correction(
        db.session.get(User, leader_id), db.session.get(Document, plan_id)).id)
    assert corrections[0] == corrections[1] and drafts(corrects_id=plan_id) == [corrections[0]]


# --- finalising ----------------------------------------------------------------------------------

def test_finalising_numbers_from_the_plan_series_and_freezes(leader, body, planned):
    document = service.start_plan(leader, 2026, body)
    service.update_draft(leader, document, document.row_version, None, service.texts_of(document) | {"recipients": ""})
    with pytest.raises(ValidationFailed) as error:
        service.finalise_draft(leader, document, render_body)
    assert [field for field, _message in error.value.problems] == ["date", "recipients"]
    db.session.rollback()
    document = db.session.get(Document, document.id)
    service.update_draft(leader, document, document.row_version, date(2026, 1, 15),
                        service.texts_of(document) | {"recipients": "Thành viên Ban Chỉ đạo;\nLưu: VT."})
    service.finalise_draft(leader, document, render_body)
    assert (document.status, document.number, document.year) == (S.FINAL, "01/KH-BCĐ", 2026)
    assert "Số: 01/KH-BCĐ" in document.content_html
    # A later change to the inspections never alters the issued plan.
    planned[1].planned_start, planned[1].planned_end = date(2026, 9, 1), date(2026, 9, 2)
    db.session.commit()
    assert [row["month"] for row in service.compose(document)["rows"]] == [3, 3, 6]
    assert "Tháng 9" not in document.content_html
    events = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.entity_id == document.id,
                                                                    AuditEvent.entity == "document")).all()
    assert events == ["create", "update", "update", "finalise"]
    with pytest.raises(ValidationFailed):
        service.start_plan(leader, 2026, body)  # issued: amend or correct it


def test_a_year_without_planned_inspections_is_not_finalised(leader, body):
    document = service.start_plan(leader, 2027, body)
    service.update_draft(leader, document, document.row_version, date(2027, 1, 5), service.texts_of(document))
    with pytest.raises(ValidationFailed, match="2027"):
        service.finalise_draft(leader, document, render_body)


def test_signed_scan_and_unit_heads_read_the_issued_plan(leader, body, planned, monkeypatch):
    told = []
    monkeypatch.setattr("app.services.notifications.notify",
                        lambda users, text, link: told.append(sorted(u.username for u in users)))
    head = make_user(Role.UNIT_HEAD, unit=planned[0].unit, username="dakha")
    document = service.start_plan(leader, 2026, body)
    assert db.session.scalar(permissions.visible_plans(head).where(Document.id == document.id)) is None
    service.update_draft(leader, document, document.row_version, date(2026, 1, 15), service.texts_of(document))
    service.finalise_draft(leader, document, render_body)
    with pytest.raises(NotPermitted):
        service.upload_signed(make_user(Role.INSPECTOR), document, "kh.png", png())
    service.upload_signed(leader, document, "ke-hoach-da-ky.png", png())
    assert document.status == S.SIGNED and document.signed_scan is not None
    assert told == [["dakha"]]
    for reader in (head, make_user(Role.INSPECTOR)):
        assert db.session.scalar(permissions.visible_plans(reader).where(Document.id == document.id)) == document
    # The inspections' document queries never return a plan.
    assert db.session.scalar(permissions.visible_documents(leader).where(Document.id == document.id)) is None


# --- corrections and amendments ------------------------------------------------------------------

def test_a_correction_is_a_new_plan_naming_the_one_it_corrects(leader, body, planned):
    plan = issued_plan(leader, body)
    correction = service.start_correction(leader, plan)
    assert correction.corrects_id == plan.id and correction.is_draft
    assert service.start_correction(leader, plan).id == correction.id
    service.update_draft(leader, correction, correction.row_version, date(2026, 1, 20), service.texts_of(correction))
    service.finalise_draft(leader, correction, render_body)
    assert correction.number == "02/KH-BCĐ"
    assert "(Đính chính Kế hoạch số 01/KH-BCĐ ngày 15/01/2026)" in correction.content_html
    assert plan.status == S.FINAL and plan.number == "01/KH-BCĐ"


def test_an_amended_plan_lists_only_what_changed_since_the_plan_in_force(leader, body, planned):
    plan = issued_plan(leader, body)
    with pytest.raises(ValidationFailed, match="01/KH-BCĐ"):
        service.start_amendment(leader, 2026)  # nothing changed yet
    added = make_inspection(unit=make_unit(name="Sở Công Thương"), planned_start=date(2026, 10, 5),
                            planned_end=date(2026, 10, 6))
    planned[1].planned_start, planned[1].planned_end = date(2026, 9, 1), date(2026, 9, 2)
    planned[2].status = InspectionStatus.CANCELLED
    db.session.commit()
    in_force, changes = service.pending_changes(2026)
    assert in_force == plan
    assert ([row["id"] for row in changes["added"]], [c["now"]["id"] for c in changes["moved"]],
            [row["id"] for row in changes["dropped"]]) == ([added.id], [planned[1].id], [planned[2].id])
    amendment = service.start_amendment(leader, 2026)
    assert amendment.amends_id == plan.id
    service.update_draft(leader, amendment, amendment.row_version, date(2026, 8, 20), service.texts_of(amendment))
    service.finalise_draft(leader, amendment, render_body)
    html = amendment.content_html
    assert amendment.number == "02/KH-BCĐ"
    assert "điều chỉnh, bổ sung Kế hoạch số 01/KH-BCĐ ngày 15 tháng 01 năm 2026" in html
    assert "Sở Công Thương" in html and "01/09/2026 – 02/09/2026" in html and "24/03/2026 – 25/03/2026" in html
    assert "Sở Tư pháp" in html and "02/06/2026 – 03/06/2026" in html
    assert html.count("UBND huyện Đắk Hà") == 1  # the unchanged March inspection is not listed
    assert "I. Mục đích, yêu cầu" not in html
    assert overflowing_lines(laid_out(plan)) == overflowing_lines(laid_out(amendment)) == []  # dates fit their column
    # The amended plan is now in force: nothing is pending.
    assert service.pending_changes(2026) == (amendment, {"added": [], "moved": [], "dropped": []})


# --- outputs -------------------------------------------------------------------------------------

def test_the_pdf_is_a4_numbered_from_page_two_in_an_embedded_vietnamese_serif(leader, body, planned, app):
    for n in range(12):  # enough units for a second page
        make_inspection(unit=make_unit(name=f"UBND xã Đắk Ơ {n + 1}"), planned_start=date(2026, 5 + n % 6, 4),
                        planned_end=date(2026, 5 + n % 6, 5))
    plan = issued_plan(leader, body)
    with app.test_request_context():
        reader = PdfReader(io.BytesIO(pdf_bytes(plan)))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert abs(float(page.mediabox.width) - 595.28) < 1 and abs(float(page.mediabox.height) - 841.89) < 1
    text = " ".join(unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages)).split())
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Số: 01/KH-BCĐ",
                     "Kon Tum, ngày 15 tháng 01 năm 2026", "KẾ HOẠCH", "I. MỤC ĐÍCH, YÊU CẦU",
                     "III. ĐỐI TƯỢNG VÀ THỜI GIAN KIỂM TRA", "UBND xã Đắk Ơ 12", "Nơi nhận:", "Nguyễn Văn Lãnh"):
        assert expected in text, expected
    assert "1" not in reader.pages[0].extract_text().splitlines()  # no page number on the first page
    assert "2" in reader.pages[1].extract_text().splitlines()
    fonts = _pdf_fonts(reader)
    assert fonts and all("Liberation-Serif" in name or "Times" in name for name in fonts), fonts


def test_the_word_file_has_the_page_the_fonts_and_the_tables(leader, body, planned, app):
    plan = issued_plan(leader, body)
    with app.test_request_context():
        word = WordDocument(io.BytesIO(docx_bytes(plan)))
    section = word.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [20, 20, 30, 15]
    assert section.different_first_page_header_footer and "PAGE" in section.header._element.xml
    runs = [run for p in word.paragraphs for run in p.runs] + [
        run for table in word.tables for row in table.rows for cell in row.cells for p in cell.paragraphs
        for run in p.runs]
    assert {run.font.name for run in runs} == {"Times New Roman"}
    body_sizes = {run.font.size.pt for p in word.paragraphs for run in p.runs if run.text.strip()}
    assert body_sizes <= {13, 14}
    paragraphs = [p.text for p in word.paragraphs]
    for expected in ("KẾ HOẠCH", "I. MỤC ĐÍCH, YÊU CẦU", "II. NỘI DUNG KIỂM TRA", "III. ĐỐI TƯỢNG VÀ THỜI GIAN KIỂM TRA",
                     "IV. THÀNH PHẦN ĐOÀN KIỂM TRA", "V. TỔ CHỨC THỰC HIỆN", "Tháng 3", "Tháng 6"):
        assert expected in paragraphs, expected
    assert ("1. Đoàn kiểm tra tại UBND huyện Đắk Hà (tháng 3): Trần Thị Kiểm, Phó Giám đốc Sở Nội vụ – trưởng đoàn; "
            "Lê Văn Thành, Chuyên viên – thành viên.") in paragraphs
    header, march = word.tables[0], word.tables[1]
    assert "Số: 01/KH-BCĐ" in header.rows[0].cells[0].text
    assert [cell.text for cell in march.rows[0].cells] == ["TT", "Đơn vị được kiểm tra", "Thời gian", "Bộ tiêu chí"]
    assert [cell.text for cell in march.rows[2].cells][:3] == ["2", "Sở Tư pháp", "24/03/2026 – 25/03/2026"]
    assert "Nơi nhận:" in word.tables[-1].rows[0].cells[0].text
