"""Documents without HTTP: drafts and their texts, numbering (also under concurrency, on SQLite and
PostgreSQL), finalising and freezing, the signed scan and the inspection's states, the conclusion
issuing the findings, corrections, who may read and do what, and the three outputs (HTML, PDF, Word)."""
import io
import time
import unicodedata
from datetime import date

import pytest
import sqlalchemy as sa
from docx import Document as WordDocument
from pypdf import PdfReader

from app.documents.output import render_body
from app.extensions import db
from app.models import (
    Answer,
    AuditEvent,
    Document,
    DocumentKind,
    DocumentStatus,
    Finding,
    FindingStatus,
    InspectionMember,
    InspectionStatus,
    Role,
    TeamRole,
    TemplateStatus,
)
from app.services import documents as service
from app.services import permissions
from app.services.errors import NotPermitted, ValidationFailed
from tests.factories import make_finding, make_inspection, make_issuing_body, make_template, make_unit, make_user
from tests.images import png
from tests.paper import overflowing_lines
from tests.threads import in_threads

K = DocumentKind
S = DocumentStatus
VIETNAMESE = "ỆệỘộỮữỸỹẪẫẰằĐđƠơƯưẤấỏ"


# --- helpers shared with the web tests -----------------------------------------------------------

def make_body(**overrides):
    fields = {"name": "Ban Chỉ đạo cải cách hành chính tỉnh Kon Tum", "abbreviation": "BCĐ",
              "superior_name": "UBND TỈNH KON TUM", "place_name": "Kon Tum", "signer_title": "TRƯỞNG BAN",
              "signer_name": "Nguyễn Văn Lãnh"}
    return make_issuing_body(**(fields | overrides))


def reviewing_inspection(lead, body, unit=None, **overrides):
    """An inspection under review with a decision of `body`: item A01 failed, A02 passed."""
    template = make_template(status=TemplateStatus.PUBLISHED, items=3)
    fields = {"status": InspectionStatus.REVIEWING, "lead": lead, "template": template,
              "unit": unit or make_unit(name="UBND huyện Đắk Hà"), "issuing_body_id": body.id,
              "decision_number": None, "decision_date": date(2026, 3, 1), "place": "Hội trường UBND huyện Đắk Hà"}
    inspection = make_inspection(**(fields | overrides))
    items = template.items
    db.session.add_all([Answer(inspection_id=inspection.id, item_id=items[0].id, result="fail", note="Thiếu"),
                        Answer(inspection_id=inspection.id, item_id=items[1].id, result="pass")])
    db.session.commit()
    return inspection


MINUTES_TEXTS = {"start_time": "08 giờ 00", "end_time": "11 giờ 30",
                 "unit_participants": "Phạm Văn Hà — Chủ tịch UBND huyện Đắk Hà", "unit_signer_name": "Phạm Văn Hà",
                 "unit_opinion": "Đơn vị thống nhất với nội dung biên bản.",
                 "assessment": "Đơn vị chấp hành tốt kỷ luật, kỷ cương hành chính."}


def ready_minutes(actor, inspection, day=date(2026, 3, 11), **texts):
    """The inspection's minutes as a draft with every required text written."""
    document = service.start_document(actor, inspection, K.MINUTES)
    service.update_document(actor, document, document.row_version, day, document.place,
                            service.texts_of(document) | MINUTES_TEXTS | texts)
    return document


def signed_minutes(actor, inspection, **texts):
    document = ready_minutes(actor, inspection, **texts)
    service.finalise_document(actor, document, render_body)
    service.upload_signed(actor, document, "bien-ban-da-ky.png", png())
    return document


# --- fixtures ------------------------------------------------------------------------------------

@pytest.fixture
def sent(monkeypatch):
    messages = []
    monkeypatch.setattr("app.services.notifications.notify",
                        lambda users, text, link: messages.append((sorted(u.username for u in users if u), text, link)))
    return messages


@pytest.fixture
def body(app):
    return make_body()


@pytest.fixture
def lead(app):
    return make_user(Role.INSPECTOR, full_name="Trần Thị Kiểm", title="Chuyên viên Phòng CCHC")


@pytest.fixture
def inspection(lead, body):
    return reviewing_inspection(lead, body)


@pytest.fixture
def head(inspection):
    return make_user(Role.UNIT_HEAD, unit=inspection.unit, username="head", full_name="Phạm Văn Hà",
                     title="Chủ tịch UBND huyện Đắk Hà")


@pytest.fixture
def leader(app):
    return make_user(Role.LEADER, username="boss")


# --- text and numbers ----------------------------------------------------------------------------

def test_date_line_and_numbers_follow_the_decree():
    assert service.date_line("Kon Tum", date(2026, 2, 5)) == "Kon Tum, ngày 05 tháng 02 năm 2026"
    assert service.date_line("Kon Tum", date(2026, 3, 15)) == "Kon Tum, ngày 15 tháng 3 năm 2026"
    assert service.date_line("Kon Tum", date(2026, 12, 1)) == "Kon Tum, ngày 01 tháng 12 năm 2026"
    assert service.format_number("{n}/BB-ĐKT", 5, 2026, "BCĐ") == "05/BB-ĐKT"
    assert service.format_number("{n}/TB-{abbr}", 123, 2026, "BCĐ") == "123/TB-BCĐ"
    assert service.format_number("{n}/{year}/TB-{abbr}", 7, 2026, "SNV") == "07/2026/TB-SNV"
    assert service.pattern_problem("BB-ĐKT") and service.pattern_problem("{n}/{x}") and not service.pattern_problem(
        "{n}/TB-{abbr}")


@pytest.mark.parametrize("pattern", ["{n}/{n.__class__.__name__}", "{n}/{year!r:>50}", "{n}/{n:>9}", "{n}/{0}",
                                     "{n}/{}", "{n}/{{abbr}}", "{n}/TB-{abbr", "{n}/TB-abbr}", "{n}/{abbr.upper}"])
def test_number_patterns_know_exactly_n_year_and_abbr(app, pattern):
    """Substituted, never a format string: anything but {n}, {year} and {abbr} in braces is refused."""
    with app.test_request_context():
        assert "chỉ dùng {n}, {year} và {abbr}" in service.pattern_problem(pattern)
    # Even a pattern stored before this check prints its other braces as they are, evaluating nothing.
    assert service.format_number(pattern, 5, 2026, "BCĐ") == pattern.replace("{n}", "05").replace("{abbr}", "BCĐ")


def test_everything_that_enters_a_document_is_composed_nfc(app, inspection, lead, head):
    decomposed = unicodedata.normalize("NFD", "Đơn vị thống nhất, không có ý kiến khác.")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    document = ready_minutes(lead, inspection, unit_opinion=decomposed)
    assert document.texts["unit_opinion"] == unicodedata.normalize("NFC", decomposed)
    html = render_body(service.compose(document))
    assert html == unicodedata.normalize("NFC", html) and "không có ý kiến khác" in html


# --- drafts --------------------------------------------------------------------------------------

def test_the_team_lead_starts_the_minutes_with_the_inspections_people(app, inspection, lead, head):
    document = service.start_document(lead, inspection, K.MINUTES)
    assert document.status == S.DRAFT and document.number is None and document.issuing_body_id == inspection.issuing_body_id
    texts = service.texts_of(document)
    assert texts["unit_participants"] == "Phạm Văn Hà — Chủ tịch UBND huyện Đắk Hà"
    assert texts["unit_signer_name"] == "Phạm Văn Hà" and texts["copies"] == 3
    assert service.start_document(lead, inspection, K.MINUTES).id == document.id  # the same draft again
    data = service.compose(document)
    assert data["team"][0] == {"name": "Trần Thị Kiểm", "title": "Chuyên viên Phòng CCHC", "role": "Trưởng đoàn",
                               "role_value": "lead"}
    assert data["score"]["percent"] == "50" and [s["earned"] for s in data["sections"]] == ["1"]


@pytest.mark.parametrize("who", ["member", "other_inspector", "unit_head"])
def test_only_the_team_lead_and_leaders_write_the_minutes(app, inspection, who):
    actor = make_user(Role.UNIT_HEAD, unit=inspection.unit) if who == "unit_head" else make_user(Role.INSPECTOR)
    if who == "member":
        db.session.add(InspectionMember(inspection_id=inspection.id, user_id=actor.id, role=TeamRole.MEMBER))
        db.session.commit()
    with pytest.raises(NotPermitted):
        service.start_document(actor, inspection, K.MINUTES)


def test_minutes_wait_for_the_field_work_and_the_conclusion_for_signed_minutes(app, inspection, lead, leader):
    inspection.status = InspectionStatus.IN_PROGRESS
    db.session.commit()
    with pytest.raises(ValidationFailed):
        service.start_document(lead, inspection, K.MINUTES)
    inspection.status = InspectionStatus.REVIEWING
    db.session.commit()
    with pytest.raises(NotPermitted):
        service.start_document(lead, inspection, K.CONCLUSION)  # leaders only
    with pytest.raises(ValidationFailed):
        service.start_document(leader, inspection, K.CONCLUSION)  # the minutes are not signed yet


def test_bad_texts_are_refused_field_by_field_and_stale_edits_too(app, inspection, lead):
    document = service.start_document(lead, inspection, K.MINUTES)
    texts = service.texts_of(document)
    with pytest.raises(ValidationFailed) as error:
        service.update_document(lead, document, document.row_version, date(2026, 3, 11), "X",
                                texts | {"copies": "ba", "copies_team": "9"})
    assert dict(error.value.problems) .keys() == {"copies"}
    with pytest.raises(ValidationFailed) as error:
        service.update_document(lead, document, document.row_version, date(2026, 3, 11), "X",
                                texts | {"copies": "2", "copies_team": "3"})
    assert error.value.field == "copies_team"
    db.session.rollback()
    with pytest.raises(ValidationFailed):
        service.update_document(lead, document, document.row_version - 1, date(2026, 3, 11), "X", texts)


def test_finalising_needs_the_required_parts_and_every_proposal_decided(app, inspection, lead, head):
    document = service.start_document(lead, inspection, K.MINUTES)
    with pytest.raises(ValidationFailed) as error:
        service.finalise_document(lead, document, render_body)
    assert {"start_time", "unit_opinion"} <= {field for field, _ in error.value.problems}
    db.session.rollback()
    make_finding(inspection, confirmed=False)
    document = ready_minutes(lead, inspection)
    with pytest.raises(ValidationFailed) as error:
        service.finalise_document(lead, document, render_body)
    assert error.value.field is None  # the proposal still waiting, said above the form
    assert db.session.get(Document, document.id).number is None


# --- numbering -----------------------------------------------------------------------------------

def test_numbers_run_per_issuing_body_kind_and_year_and_are_given_once(app, lead, body):
    other_body = make_body(name="Sở Nội vụ", abbreviation="SNV", minutes_number_pattern="{n}/BB-SNV")
    numbers = []
    for issuing, day in ((body, date(2026, 3, 11)), (body, date(2026, 4, 2)), (other_body, date(2026, 4, 3)),
                         (body, date(2027, 1, 5))):
        document = ready_minutes(lead, reviewing_inspection(lead, issuing), day=day)
        service.finalise_document(lead, document, render_body)
        numbers.append((document.number, document.number_seq, document.year))
    assert numbers == [("01/BB-ĐKT", 1, 2026), ("02/BB-ĐKT", 2, 2026), ("01/BB-SNV", 1, 2026),
                       ("01/BB-ĐKT", 1, 2027)]
    with pytest.raises(sa.exc.IntegrityError):  # the database itself refuses a number given twice
        db.session.add(Document(inspection_id=document.inspection_id, kind=K.MINUTES, issuing_body_id=body.id,
                                year=2026, number_seq=1, number="01/BB-ĐKT", texts={}, status=S.FINAL))
        db.session.commit()
    db.session.rollback()


def test_two_transactions_taking_a_number_at_once_never_get_the_same(app, body):
    body_id = body.id

    def take(_n):
        number = service.next_number(body_id, K.MINUTES, 2026)
        time.sleep(0.3)  # hold the transaction open: the other one must wait, not read the same value
        db.session.commit()
        return number

    assert sorted(in_threads(app, 2, take)) == [1, 2]
    assert sorted(in_threads(app, 3, take)) == [3, 4, 5]


def test_two_finalisations_at_once_get_two_numbers(app, lead, body):
    ids = [ready_minutes(lead, reviewing_inspection(lead, body)).id for _ in range(2)]
    lead_id = lead.id

    def finalise(n):
        from app.models import User

        document = db.session.get(Document, ids[n])
        return service.finalise_document(db.session.get(User, lead_id), document, render_body).number

    assert sorted(in_threads(app, 2, finalise)) == ["01/BB-ĐKT", "02/BB-ĐKT"]


# --- finalising, freezing and signing ------------------------------------------------------------

def test_a_final_document_is_frozen_against_later_changes(app, instance, inspection, lead, head, sent):
    make_finding(inspection, title="Chưa niêm yết thủ tục hành chính", recommendation="Niêm yết đầy đủ")
    document = ready_minutes(lead, inspection)
    service.finalise_document(lead, document, render_body)
    assert document.status == S.FINAL and document.locked_at and document.number == "01/BB-ĐKT"
    assert [(users, link) for users, _, link in sent] == [(["head"], ("documents.detail", {"document_id": document.id}))]
    assert "01/BB-ĐKT" in sent[0][1]
    frozen_html, frozen_data = document.content_html, dict(document.snapshot)
    assert "Số: 01/BB-ĐKT" in frozen_html and "Chưa niêm yết thủ tục hành chính" in frozen_html
    inspection.unit.name = "UBND xã Đắk Hà (mới)"
    db.session.scalar(sa.select(Finding)).title = "Đã đổi"
    db.session.commit()
    db.session.expire_all()
    document = db.session.get(Document, document.id)
    assert document.content_html == frozen_html and service.compose(document) == frozen_data
    from app.documents import output

    with app.test_request_context():
        assert "UBND xã Đắk Hà (mới)" not in output.page_html(document, screen=True)
    with pytest.raises(NotPermitted):
        service.update_document(lead, document, document.row_version, date(2026, 3, 12), "X",
                                service.texts_of(document))


def test_the_signed_scan_of_the_minutes_moves_the_inspection_on(app, instance, inspection, lead, head, leader, sent):
    document = ready_minutes(lead, inspection)
    with pytest.raises(NotPermitted):
        service.upload_signed(lead, document, "scan.png", png())  # not final yet
    service.finalise_document(lead, document, render_body)
    with pytest.raises(NotPermitted):
        service.upload_signed(head, document, "scan.png", png())
    with pytest.raises(ValidationFailed):
        service.upload_signed(lead, document, "scan.txt", b"not a scan")
    db.session.rollback()
    scan = service.upload_signed(lead, document, "scan.pdf", b"%PDF-1.4 signed scan")
    assert document.status == S.SIGNED and document.signed_scan.id == scan.id and scan.mime_type == "application/pdf"
    assert inspection.status == InspectionStatus.MINUTES_SIGNED
    actions = [(e.entity, e.action) for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]
    assert ("document", "finalise") in actions and ("document", "sign") in actions
    assert ("inspection", "sign_minutes") in actions
    assert ["boss"] in [users for users, _, _ in sent]  # leaders: the conclusion can be issued


def test_the_conclusion_issues_the_findings_and_concludes(app, instance, inspection, lead, head, leader, sent):
    first = make_finding(inspection, title="Chưa niêm yết thủ tục", recommendation="Niêm yết đầy đủ")
    make_finding(inspection, title="Bỏ đi", status=FindingStatus.DISMISSED, number=None, code=None)
    signed_minutes(lead, inspection)
    conclusion = service.start_document(leader, inspection, K.CONCLUSION)
    draft = service.compose(conclusion)
    assert [f["title"] for f in draft["findings"]] == ["Chưa niêm yết thủ tục"] and draft["findings"][0]["code"] == ""
    assert draft["minutes"]["number"] == "01/BB-ĐKT"
    with pytest.raises(NotPermitted):
        service.finalise_document(lead, conclusion, render_body)  # the team lead does not issue
    service.finalise_document(leader, conclusion, render_body)
    db.session.refresh(first)
    assert first.status == FindingStatus.OPEN and first.code == f"KT-2026-{inspection.id:03d}/01"
    assert inspection.status == InspectionStatus.CONCLUDED
    assert conclusion.number == "01/TB-BCĐ" and first.code in conclusion.content_html
    assert "Nơi nhận:" in conclusion.content_html and "Lưu: VT." in conclusion.content_html
    assert any("01/TB-BCĐ" in text and users == ["head", lead.username] for users, text, _ in sent)
    assert any(first.code in text for _, text, _ in sent)  # the finding itself, to the unit


def test_a_conclusion_without_findings_closes_the_inspection(app, instance, inspection, lead, leader):
    signed_minutes(lead, inspection)
    conclusion = service.start_document(leader, inspection, K.CONCLUSION)
    service.finalise_document(leader, conclusion, render_body)
    assert inspection.status == InspectionStatus.CLOSED
    assert "Không có tồn tại, hạn chế phải khắc phục." in conclusion.content_html


def test_a_correction_is_a_new_document_naming_the_one_it_corrects(app, instance, inspection, lead):
    original = signed_minutes(lead, inspection)
    correction = service.start_correction(lead, original)
    assert correction.is_draft and correction.corrects_id == original.id
    assert service.start_correction(lead, original).id == correction.id
    service.update_document(lead, correction, correction.row_version, date(2026, 3, 20), correction.place,
                            service.texts_of(correction) | {"unit_opinion": "Đơn vị bổ sung ý kiến."})
    service.finalise_document(lead, correction, render_body)
    assert correction.number == "02/BB-ĐKT" and original.number == "01/BB-ĐKT"
    assert "(Đính chính Biên bản số 01/BB-ĐKT ngày 11/03/2026)" in correction.content_html
    assert "Đơn vị bổ sung ý kiến." not in original.content_html
    assert inspection.status == InspectionStatus.MINUTES_SIGNED


# --- who reads what ------------------------------------------------------------------------------

def test_who_reads_which_documents(app, instance, inspection, lead, head, leader):
    member = make_user(Role.INSPECTOR)
    db.session.add(InspectionMember(inspection_id=inspection.id, user_id=member.id, role=TeamRole.MEMBER))
    db.session.commit()
    document = ready_minutes(lead, inspection)
    sub_head = make_user(Role.UNIT_HEAD, unit=make_unit(parent=make_unit()))
    readers = {"lead": lead, "member": member, "leader": leader, "admin": make_user(Role.ADMIN), "head": head,
               "other_inspector": make_user(Role.INSPECTOR), "other_head": make_user(Role.UNIT_HEAD),
               "sub_head": sub_head}

    def who_reads():
        return {name for name, user in readers.items() if permissions.can_view_document(user, document)}

    assert who_reads() == {"lead", "member", "leader", "admin"}  # a draft: not the unit yet
    service.finalise_document(lead, document, render_body)
    assert who_reads() == {"lead", "member", "leader", "admin", "head"}
    assert permissions.document_rights(head, document) == permissions.DocumentRights(edit=False, finalise=False, sign=False, correct=False)
    assert permissions.document_rights(member, document).sign is False and permissions.document_rights(lead, document).sign is True


# --- outputs -------------------------------------------------------------------------------------

def _pdf_fonts(reader: PdfReader) -> dict[str, bytes]:
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = descriptor["/FontFile2"].get_object().get_data()
    return fonts


def test_the_pdf_is_a4_with_the_text_and_an_embedded_vietnamese_serif(app, instance, inspection, lead, head):
    from fontTools.ttLib import TTFont

    from app.documents import output

    make_finding(inspection, title=f"Chưa niêm yết {VIETNAMESE}", recommendation="Niêm yết đầy đủ")
    document = ready_minutes(lead, inspection)
    service.finalise_document(lead, document, render_body)
    reader = PdfReader(io.BytesIO(output.pdf_bytes(document)))
    assert len(reader.pages) >= 2
    assert overflowing_lines(output.laid_out(document)) == []
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - 595.28) < 1 and abs(height - 841.89) < 1  # A4 in points
    text = unicodedata.normalize("NFC", "\n".join(page.extract_text() for page in reader.pages))
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Số: 01/BB-ĐKT",
                     "Kon Tum, ngày 11 tháng 3 năm 2026", "BIÊN BẢN", VIETNAMESE, "Trần Thị Kiểm", "Phạm Văn Hà",
                     "Đơn vị thống nhất với nội dung biên bản."):
        assert expected in " ".join(text.split()), expected
    assert "1" not in reader.pages[0].extract_text().splitlines()  # no page number on the first page
    assert "2" in reader.pages[1].extract_text().splitlines()
    fonts = _pdf_fonts(reader)
    assert fonts and all("Liberation-Serif" in name or "Times" in name for name in fonts), fonts
    regular = next(data for name, data in fonts.items() if name.endswith(("Liberation-Serif", "Times-New-Roman")))
    cmap = TTFont(io.BytesIO(regular)).getBestCmap() or {}
    glyphs = TTFont(io.BytesIO(regular)).getGlyphOrder()
    assert len(glyphs) > 40 and (not cmap or all(ord(ch) in cmap for ch in "ệộữỹĐđơư"))


def test_the_notices_findings_table_stays_inside_its_cells_and_margins(app, instance, inspection, lead, head, leader):
    from app.documents import output

    for title in ("Chưa niêm yết công khai đầy đủ thủ tục hành chính tại Bộ phận Một cửa",
                  "Hồ sơ trễ hạn chưa có văn bản xin lỗi người dân"):
        make_finding(inspection, title=title, recommendation="Rà soát, niêm yết đầy đủ và cập nhật kịp thời",
                     due_date=date(2026, 12, 31))
    signed_minutes(lead, inspection)
    conclusion = service.start_document(leader, inspection, K.CONCLUSION)
    service.finalise_document(leader, conclusion, render_body)
    laid_out = output.laid_out(conclusion)
    assert "31/12/2026" in conclusion.content_html
    assert overflowing_lines(laid_out) == []  # the due date column held "31/12/2026" too narrowly


def test_the_word_file_has_the_page_the_fonts_and_the_text(app, instance, inspection, lead, head):
    from app.documents import output

    document = ready_minutes(lead, inspection)
    service.finalise_document(lead, document, render_body)
    word = WordDocument(io.BytesIO(output.docx_bytes(document)))
    section = word.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [20, 20, 30, 15]
    assert section.different_first_page_header_footer and "PAGE" in section.header._element.xml
    normal = word.styles["Normal"]
    assert normal.font.name == "Times New Roman" and normal.font.size.pt == 14
    runs = [run for p in word.paragraphs for run in p.runs] + [
        run for table in word.tables for row in table.rows for cell in row.cells for p in cell.paragraphs
        for run in p.runs]
    assert {run.font.name for run in runs} == {"Times New Roman"}
    assert all(13 <= run.font.size.pt <= 14 for run in runs if run.font.size and run.text.strip()
               and run.text not in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",))
    text = "\n".join([p.text for p in word.paragraphs] + [
        cell.text for table in word.tables for row in table.rows for cell in row.cells])
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Số: 01/BB-ĐKT",
                     "Kon Tum, ngày 11 tháng 3 năm 2026", "BIÊN BẢN", "Đơn vị thống nhất với nội dung biên bản.",
                     "TRƯỞNG ĐOÀN KIỂM TRA", "Trần Thị Kiểm"):
        assert expected in text, expected
    assert text == unicodedata.normalize("NFC", text)


def test_the_appendix_shows_the_evidence_photos_with_code_and_time(app, instance, inspection, lead, head):
    from app.documents import output
    from app.services import evidence

    inspection.status = InspectionStatus.IN_PROGRESS
    db.session.commit()
    item = inspection.template.items[0]
    evidence.store_evidence(lead, inspection, item, "anh.png", png())
    inspection.status = InspectionStatus.REVIEWING
    db.session.commit()
    document = ready_minutes(lead, inspection)
    service.finalise_document(lead, document, render_body)
    photos = document.snapshot["photos"]
    assert len(photos) == 1 and photos[0]["caption"].startswith(f"{item.code} · ")
    assert f'src="/documents/{document.id}/photos/{photos[0]["sha"]}"' in document.content_html
    reader = PdfReader(io.BytesIO(output.pdf_bytes(document)))
    images = {image.data for page in reader.pages for image in page.images}
    assert len(images) == 1 and "PHỤ LỤC" in reader.pages[-1].extract_text()
    word = WordDocument(io.BytesIO(output.docx_bytes(document)))
    assert len(word.inline_shapes) == 1


def test_a_second_correction_at_once_makes_no_second_draft(app, instance, inspection, lead):
    """A double tap on "start a correction": the start that read the inspection before the other committed
    is refused (and finds the other's draft when there is one), never a second draft."""
    from app.models import Inspection

    original = signed_minutes(lead, inspection)
    inspection.row_version  # loaded: what this request read
    db.session.execute(sa.update(Inspection).where(Inspection.id == inspection.id)
                       .values(row_version=Inspection.row_version + 1).execution_options(synchronize_session=False))
    with pytest.raises(ValidationFailed):
        service.start_correction(lead, original)
    assert db.session.scalar(sa.select(sa.func.count(Document.id)).where(Document.corrects_id == original.id)) == 0
    first = service.start_correction(lead, original)
    assert service.start_correction(lead, original) == first


def test_a_second_start_at_once_makes_no_second_draft(lead, inspection):
    """A double tap on "write the minutes": the start that read the inspection before the other committed
    is refused (and finds the other's draft when there is one), never a second draft."""
    from app.models import Inspection

    inspection.row_version  # loaded: what this request read
    db.session.execute(sa.update(Inspection).where(Inspection.id == inspection.id)
                       .values(row_version=Inspection.row_version + 1).execution_options(synchronize_session=False))
    with pytest.raises(ValidationFailed):
        service.start_document(lead, inspection, K.MINUTES)
    assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 0
    first = service.start_document(lead, inspection, K.MINUTES)
    assert service.start_document(lead, inspection, K.MINUTES) == first
