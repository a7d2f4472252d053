"""The periodic report without HTTP: the period chosen, the figures of the period and scope (those of
app.services.reports.period_figures, so the dashboard's), first drafts written from them, numbering
from the report series, figures frozen at finalisation, corrections, rights, and the three outputs
(a landscape appendix per unit)."""
import io
import re
import unicodedata
from datetime import date

import pytest
from docx import Document as WordDocument
from docx.enum.section import WD_ORIENT
from flask_babel import force_locale
from pypdf import PdfReader

from app.documents.output import docx_bytes, laid_out, page_html, pdf_bytes, render_body
from app.extensions import db
from app.models import Document, DocumentKind, DocumentStatus, FindingStatus, InspectionStatus, IssuingBody, Role, \
    UnitKind, User
from app.services import period_reports as service
from app.services import permissions, reports, secretariat_documents
from app.services.errors import NotPermitted, ValidationFailed
from tests.factories import make_finding, make_inspection, make_unit, make_user
from tests.images import png
from tests.paper import overflowing_lines
from tests.services.test_documents import make_body
from tests.services.test_plan_documents import drafts
from tests.threads import after_both_looked, in_threads

S = DocumentStatus


@pytest.fixture
def body(app):
    return make_body()


@pytest.fixture
def leader(app):
    return make_user(Role.LEADER, username="boss")


@pytest.fixture
def world(leader):
    """Inspections of 2026 in a department and a commune, with findings overdue, closed on time and late."""
    department = make_unit(name="Sở Tư pháp", kind=UnitKind.DEPARTMENT)
    commune = make_unit(name="UBND xã Đắk Ơ", kind=UnitKind.COMMUNE)
    first = make_inspection(unit=department, status=InspectionStatus.CONCLUDED, planned_start=date(2026, 3, 10),
                            planned_end=date(2026, 3, 11))
    second = make_inspection(unit=commune, status=InspectionStatus.CONCLUDED, planned_start=date(2026, 8, 4),
                             planned_end=date(2026, 8, 5))
    make_inspection(unit=commune, planned_start=date(2026, 11, 2), planned_end=date(2026, 11, 3))
    make_finding(first, FindingStatus.OPEN, due_date=date(2026, 4, 1), title="Chưa niêm yết thủ tục")
    make_finding(first, FindingStatus.OPEN, due_date=date(2027, 4, 1))
    make_finding(second, FindingStatus.OPEN, due_date=date(2026, 9, 1))
    return {"department": department, "commune": commune}


def test_periods_are_named_and_checked():
    assert service.period_bounds("q2", 2026, None, None) == (date(2026, 4, 1), date(2026, 6, 30))
    assert service.period_bounds("h1", 2026, None, None) == (date(2026, 1, 1), date(2026, 6, 30))
    assert service.period_bounds("year", 2024, None, None) == (date(2024, 1, 1), date(2024, 12, 31))
    assert service.period_words(date(2026, 4, 1), date(2026, 6, 30)) == "quý II năm 2026"
    assert service.period_words(date(2026, 1, 1), date(2026, 6, 30)) == "6 tháng đầu năm 2026"
    assert service.period_words(date(2026, 1, 1), date(2026, 12, 31)) == "năm 2026"
    assert service.period_words(date(2026, 2, 3), date(2026, 3, 5)) == "từ ngày 03/02/2026 đến ngày 05/03/2026"
    for args, field in ((("dates", None, date(2026, 3, 1), date(2026, 2, 1)), "end"),
                        (("dates", None, None, date(2026, 2, 1)), "start"), (("q1", None, None, None), "year"),
                        (("dates", None, date(2020, 1, 1), date(2026, 1, 1)), "end")):
        with pytest.raises(ValidationFailed) as error:
            service.period_bounds(*args)
        assert error.value.field == field


def test_the_draft_prints_the_periods_figures_and_first_drafts(app, leader, body, world):
    document = service.start_report(leader, body, date(2026, 1, 1), date(2026, 12, 31), "")
    assert (document.kind.value, document.inspection_id, document.status) == ("report", None, S.DRAFT)
    data = service.compose(document)
    figures = reports.period_figures(leader, date(2026, 1, 1), date(2026, 12, 31), date.today())
    assert data["figures"]["totals"]["planned"] == figures.totals["planned"] == 3
    assert data["figures"]["totals"]["done"] == 2 and data["figures"]["findings"]["issued"] == 3
    texts = data["texts"]
    assert texts["summary"] == "Kết quả kiểm tra công tác cải cách hành chính, công vụ năm 2026"
    assert texts["achievements"].splitlines() == [  # no score kept for these inspections: none is claimed
        "Trong năm 2026, đã tiến hành 2/3 cuộc kiểm tra theo kế hoạch tại 2 cơ quan, đơn vị.",
        "Các đoàn kiểm tra đã chỉ ra 3 tồn tại, hạn chế; các đơn vị đã khắc phục xong 0 (0 đúng hạn, 0 trễ hạn)."]
    html = render_body(data)
    for heading in ("I. Kết quả kiểm tra", "II. Tồn tại, hạn chế và nguyên nhân", "III. Đề xuất, kiến nghị",
                    "Theo lĩnh vực", "Theo mức độ", "PHỤ LỤC", "Sở Tư pháp", "Nơi nhận:"):
        assert heading in html, heading
    # A scope keeps its units.
    communes = service.start_report(leader, body, date(2026, 1, 1), date(2026, 12, 31), UnitKind.COMMUNE.value)
    assert communes.id != document.id
    scoped = service.compose(communes)
    assert [u["name"] for u in scoped["figures"]["units"]] == ["UBND xã Đắk Ơ"]
    assert "tại 1 cơ quan, đơn vị thuộc khối UBND cấp xã." in scoped["texts"]["achievements"]
    assert service.start_report(leader, body, date(2026, 1, 1), date(2026, 12, 31), "").id == document.id


def test_finalising_freezes_the_figures(app, leader, body, world):
    document = service.start_report(leader, body, date(2026, 1, 1), date(2026, 6, 30), "")
    service.update_draft(leader, document, document.row_version, None, service.texts_of(document))
    with pytest.raises(ValidationFailed) as error:
        service.finalise_draft(leader, document, render_body)
    assert error.value.field == "date"
    db.session.rollback()
    document = db.session.get(Document, document.id)
    service.update_draft(leader, document, document.row_version, date(2026, 7, 10), service.texts_of(document))
    service.finalise_draft(leader, document, render_body)
    assert (document.status, document.number) == (S.FINAL, "01/BC-BCĐ")
    assert document.snapshot["figures"]["totals"]["planned"] == 1 and "Số: 01/BC-BCĐ" in document.content_html
    # A later inspection in the period never changes the report that was sent.
    make_inspection(unit=world["commune"], planned_start=date(2026, 5, 5), planned_end=date(2026, 5, 6))
    assert service.compose(document)["figures"]["totals"]["planned"] == 1
    correction = service.start_correction(leader, document)
    assert service.compose(correction)["figures"]["totals"]["planned"] == 2 and correction.corrects_id == document.id
    service.upload_signed(leader, document, "bc.png", png())
    assert document.status == S.SIGNED


def test_staff_read_issued_reports_and_unit_heads_none(app, leader, body, world):
    with pytest.raises(NotPermitted):
        service.start_report(make_user(Role.INSPECTOR), body, date(2026, 1, 1), date(2026, 3, 31), "")
    document = service.start_report(leader, body, date(2026, 1, 1), date(2026, 3, 31), "")
    inspector, head = make_user(Role.INSPECTOR), make_user(Role.UNIT_HEAD, unit=world["department"])
    assert service.reports_of(inspector) == [] and service.reports_of(leader) == [document]
    service.update_draft(leader, document, document.row_version, date(2026, 4, 5), service.texts_of(document))
    service.finalise_draft(leader, document, render_body)
    assert service.reports_of(inspector) == [document] and service.reports_of(head) == []
    assert not permissions.can_read_reports(head) and permissions.can_read_reports(inspector)


def test_pdf_and_word_with_a_landscape_appendix(app, leader, body, world):
    document = service.start_report(leader, body, date(2026, 1, 1), date(2026, 12, 31), "")
    service.update_draft(leader, document, document.row_version, date(2027, 1, 10), service.texts_of(document))
    service.finalise_draft(leader, document, render_body)
    with app.test_request_context():
        reader = PdfReader(io.BytesIO(pdf_bytes(document)))
        word = WordDocument(io.BytesIO(docx_bytes(document)))
        assert overflowing_lines(laid_out(document)) == []
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages]
    assert sizes[0] == (595, 842) and sizes[-1] == (842, 595)  # A4, the appendix landscape
    text = " ".join(unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in reader.pages)).split())
    for expected in ("BÁO CÁO", "Số: 01/BC-BCĐ", "Kon Tum, ngày 10 tháng 01 năm 2027", "I. KẾT QUẢ KIỂM TRA",
                     "Nơi nhận:", "KẾT QUẢ KIỂM TRA THEO CƠ QUAN, ĐƠN VỊ", "UBND xã Đắk Ơ"):
        assert expected in text, expected
    assert word.sections[0].orientation == WD_ORIENT.PORTRAIT and word.sections[-1].orientation == WD_ORIENT.LANDSCAPE
    assert (round(word.sections[-1].page_width.mm), round(word.sections[-1].page_height.mm)) == (297, 210)
    paragraphs = [p.text for p in word.paragraphs]
    assert "BÁO CÁO" in paragraphs and "III. ĐỀ XUẤT, KIẾN NGHỊ" in paragraphs
    cells = [cell.text for table in word.tables for row in table.rows for cell in row.cells]
    assert "Số cuộc kiểm tra theo kế hoạch" in cells and "UBND xã Đắk Ơ" in cells


def test_a_scope_without_units_is_refused_beside_its_field(app, leader, body, world):
    with pytest.raises(ValidationFailed) as error:
        service.start_report(leader, body, date(2026, 1, 1), date(2026, 3, 31), UnitKind.PRESS.value)
    assert error.value.field == "scope"
    assert service.start_report(leader, body, date(2026, 1, 1), date(2026, 3, 31), UnitKind.COMMUNE.value).is_draft


def test_two_starts_or_corrections_at_once_make_one_draft(app, leader, body, world, monkeypatch):
    """A double click on "Write the report" (or "Write a correction"): both requests find no draft and
    insert one; the unique index on open drafts refuses the second, which opens the first's draft."""
    monkeypatch.setattr(service, "_draft_of", after_both_looked(service._draft_of))
    leader_id, body_id = leader.id, body.id

    def start(_n):
        return service.start_report(db.session.get(User, leader_id), db.session.get(IssuingBody, body_id),
                                    date(2026, 4, 1), date(2026, 6, 30), "").id

    first, second = in_threads(app, 2, start)
    assert first == second and drafts(kind=DocumentKind.REPORT) == [first]
    report = db.session.get(Document, first)
    service.update_draft(leader, report, report.row_version, date(2026, 7, 2), service.texts_of(report))
    service.finalise_draft(leader, report, render_body)
    monkeypatch.setattr(secretariat_documents, "draft_correction",
                        after_both_looked(secretariat_documents.draft_correction))
    corrections = in_threads(app, 2, lambda _n: service.start_correction(
        db.session.get(User, leader_id), db.session.get(Document, first)).id)
    assert corrections[0] == corrections[1] and drafts(corrects_id=first) == [corrections[0]]


def test_counts_are_written_the_vietnamese_way_in_print_pdf_and_word(app, leader, body, world, monkeypatch):
    """6.178, not 6178: in the tables, the sentences and the first drafts, whatever the user's language."""
    figures_now = service.live_figures

    def thousands(document):
        figures = figures_now(document)
        figures["totals"] |= {"planned": 6178, "done": 1234}
        figures["findings"] |= {"issued": 12345}
        figures["units"][0] |= {"open": 1500}
        return figures

    monkeypatch.setattr(service, "live_figures", thousands)
    document = service.start_report(leader, body, date(2026, 1, 1), date(2026, 12, 31), "")
    with app.test_request_context(), force_locale("en"):
        page = page_html(document, screen=True)
        pdf = " ".join(unicodedata.normalize("NFC", "\n".join(
            p.extract_text() for p in PdfReader(io.BytesIO(pdf_bytes(document))).pages)).split())
        word = WordDocument(io.BytesIO(docx_bytes(document)))
    word_text = "\n".join([p.text for p in word.paragraphs]
                          + [cell.text for table in word.tables for row in table.rows for cell in row.cells])
    for name, text in (("print", page), ("PDF", pdf), ("Word", word_text)):
        for expected in ("6.178", "12.345", "1.500", "đã tiến hành 1.234/6.178 cuộc kiểm tra",
                         "đã chỉ ra 12.345 tồn tại"):
            assert expected in text, (name, expected)
        assert not re.search(r"(?<![\d.,])(6178|12345|1500)(?!\d)", text), name
