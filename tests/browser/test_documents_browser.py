"""In Chromium, on the demo data: the print view of the demo's signed minutes printed to PDF by the
browser itself (A4, the text, a Vietnamese serif embedded), the unit head finding the documents on the
inspection page, and the team lead's editor whose preview follows what is typed (htmx)."""
import io
import unicodedata

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.extensions import db
from app.models import Document, DocumentKind, Inspection, InspectionStatus
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def minutes(live):
    """(id, inspection id, number) of the demo's signed minutes of this year's Đắk Hà inspection."""
    app, _url = live
    with app.app_context():
        document = db.session.scalar(sa.select(Document).where(Document.kind == DocumentKind.MINUTES)
                                     .order_by(Document.id.desc()).limit(1))
        return document.id, document.inspection_id, document.number


def fonts_of(reader: PdfReader) -> set[str]:
    return {str(font.get_object()["/BaseFont"]) for page in reader.pages
            for font in page["/Resources"].get("/Font", {}).values()}


def test_chromium_prints_the_minutes_on_a4_with_their_text(live_server, minutes, browser):
    document_id, _inspection_id, number = minutes
    context = browser.new_context(locale="vi-VN")
    page = context.new_page()
    log_in(page, live_server, "inspector")
    page.goto(f"{live_server}/documents/{document_id}/print")
    assert page.locator(".toolbar").is_visible()
    page.emulate_media(media="print")
    assert not page.locator(".toolbar").is_visible()  # print styles drop the toolbar
    data = page.pdf(prefer_css_page_size=True, print_background=True)
    context.close()
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 2
    for sheet in reader.pages:
        assert abs(float(sheet.mediabox.width) - 595.28) < 1.5 and abs(float(sheet.mediabox.height) - 841.89) < 1.5
    text = " ".join(unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in reader.pages)).split())
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", f"Số: {number}",
                     "BIÊN BẢN", "Ý KIẾN CỦA ĐƠN VỊ ĐƯỢC KIỂM TRA", "Trần Thị Kiểm", "Phạm Văn Hà"):
        assert expected in text, expected
    serif = {name for name in fonts_of(reader) if "Liberation" in name or "Times" in name}
    assert serif and all("Serif" in name or "Times" in name for name in serif), fonts_of(reader)


def test_the_unit_head_finds_the_documents_on_the_inspection(live_server, minutes, tablet_portrait):
    document_id, inspection_id, number = minutes
    page = tablet_portrait
    log_in(page, live_server, "unithead")
    page.goto(f"{live_server}/inspections/{inspection_id}")
    documents = page.locator("#inspection-documents")
    assert number in documents.inner_text()
    documents.locator(f'a[href="/documents/{document_id}"]').click()
    page.wait_for_url(f"{live_server}/documents/{document_id}")
    assert page.locator(".paper-frame .paper").is_visible()
    screenshot(page, "documents-unithead-minutes-768x1024")
    with page.expect_download() as download:
        page.locator(".page-head a", has_text="PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")


def test_the_team_leads_preview_follows_what_is_typed(live, browser):
    app, base = live
    with app.app_context():  # the demo's scheduled Sở Tư pháp inspection, its field work taken as done
        inspection = db.session.scalar(sa.select(Inspection).where(Inspection.title.contains("Sở Tư pháp")))
        inspection.status = InspectionStatus.REVIEWING
        db.session.commit()
        inspection_id = inspection.id
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="vi-VN")
    page = context.new_page()
    log_in(page, base, "inspector")
    page.goto(f"{base}/inspections/{inspection_id}")
    page.locator("#inspection-documents button[type=submit]").click()
    page.wait_for_url("**/edit")
    page.fill("textarea[name=unit_opinion]", "Đơn vị thống nhất, đề nghị Đoàn ghi nhận những cố gắng.")
    preview = page.locator("#document-preview")
    preview.get_by_text("đề nghị Đoàn ghi nhận những cố gắng").wait_for()
    page.fill("input[name=start_time]", "14 giờ 00")
    preview.get_by_text("vào lúc 14 giờ 00").wait_for()
    screenshot(page, "documents-editor-1024x768", full_page=False)
    with page.expect_navigation():
        page.click("#document-form .actions button.primary")  # save the draft: a plain post, no JavaScript needed
    assert page.locator(".flash-success").count() == 1
    assert page.locator("textarea[name=unit_opinion]").input_value().startswith("Đơn vị thống nhất")
    context.close()
