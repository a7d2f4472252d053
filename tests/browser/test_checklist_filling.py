"""In Chromium at 768×1024: an inspector fills 20 answers with the toggles and a photo, reloads and finds
everything saved; with the network cut for a moment, the answer is kept, retried and saved."""
import io

import pytest
import sqlalchemy as sa
from PIL import Image

from app.extensions import db
from app.models import (
    Answer,
    AnswerType,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    EvidenceRule,
    Inspection,
    InspectionKind,
    InspectionMember,
    InspectionStatus,
    TeamRole,
    TemplateStatus,
    Unit,
    User,
)
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def inspection(live):
    """An inspection in progress, led by the demo inspector, with a 20-item pass/fail checklist."""
    from datetime import date

    app, _url = live
    with app.app_context():
        template = ChecklistTemplate(family="E2E", version=1, name="Phiếu thử 20 tiêu chí",
                                     status=TemplateStatus.PUBLISHED)
        section = ChecklistSection(position=0, code="A", title="Chấp hành giờ giấc")
        section.items = [ChecklistItem(position=i, code=f"A{i + 1:02d}", question=f"Tiêu chí số {i + 1}",
                                       answer_type=AnswerType.PASS_FAIL,
                                       evidence_required=EvidenceRule.ALWAYS if i == 0 else EvidenceRule.NEVER)
                         for i in range(20)]
        template.sections.append(section)
        db.session.add(template)
        db.session.flush()
        inspector = db.session.scalar(sa.select(User).where(User.username == "inspector"))
        unit = db.session.scalar(sa.select(Unit).where(Unit.code == "STC"))
        inspection = Inspection(title="Kiểm tra thử trên máy tính bảng", kind=InspectionKind.UNANNOUNCED,
                                unit_id=unit.id, template_id=template.id, status=InspectionStatus.IN_PROGRESS,
                                planned_start=date.today(), planned_end=date.today())
        inspection.members = [InspectionMember(user_id=inspector.id, role=TeamRole.LEAD)]
        db.session.add(inspection)
        db.session.commit()
        return inspection.id, [item.id for item in section.items]


def photo_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def wait_saved(page, item_id):
    page.locator(f"#state-{item_id} .saved").wait_for()


def test_fill_twenty_answers_and_a_photo_then_reload(live, live_server, inspection, tablet_portrait):
    inspection_id, item_ids = inspection
    page = tablet_portrait
    log_in(page, live_server, "inspector")
    page.goto(f"{live_server}/inspections/{inspection_id}/checklist")
    expected = {}
    for n, item_id in enumerate(item_ids):
        result = "fail" if n % 5 == 4 else "pass"
        page.locator(f"#item-{item_id} label.toggle.{result}").click()
        expected[item_id] = result
        wait_saved(page, item_id)
    page.set_input_files(f"#evidence-file-{item_ids[0]}", files=[
        {"name": "anh-niem-yet.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}])
    # Picking the photo sends it (shrunk on the tablet); there is no separate button to press.
    thumbnail = f"#evidence-{item_ids[0]} .evidence-files img"  # the server's, not the tablet's preview
    page.locator(thumbnail).wait_for(state="attached")
    page.locator(thumbnail).scroll_into_view_if_needed()  # thumbnails load lazily
    page.wait_for_function(f"() => document.querySelector('{thumbnail}').naturalWidth > 0")
    page.locator("#progress").get_by_text("20/20").wait_for()
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "checklist-filled-768x1024", full_page=False)

    page.reload()
    for item_id, result in expected.items():
        assert page.locator(f"#item-{item_id} input[value={result}]").is_checked(), item_id
    assert page.locator(f"#evidence-{item_ids[0]} img").count() == 1
    app, _url = live
    with app.app_context():
        saved = dict(db.session.execute(sa.select(Answer.item_id, Answer.result).where(
            Answer.inspection_id == inspection_id)).all())
    assert saved == expected


def test_answer_made_offline_waits_on_the_tablet_and_is_sent(live, live_server, inspection, tablet_portrait):
    inspection_id, item_ids = inspection
    page = tablet_portrait
    log_in(page, live_server, "inspector")
    page.goto(f"{live_server}/inspections/{inspection_id}/checklist")
    item_id = item_ids[10]
    card = page.locator(f"#item-{item_id}")
    page.context.set_offline(True)
    card.locator("label.toggle.na").click()
    card.get_by_text("Đã lưu trên máy, chờ gửi").wait_for()
    page.locator("#outbox-status").get_by_text("1 câu trả lời đang chờ gửi").wait_for()
    assert card.locator("input[value=na]").is_checked()
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_saved(page, item_id)
    page.locator("#outbox-status").wait_for(state="hidden")
    page.reload()
    assert page.locator(f"#item-{item_id} input[value=na]").is_checked()


def test_photo_taken_offline_is_sent_when_back_online(live, live_server, inspection, tablet_portrait):
    inspection_id, item_ids = inspection
    page = tablet_portrait
    log_in(page, live_server, "inspector")
    page.goto(f"{live_server}/inspections/{inspection_id}/checklist")
    item_id = item_ids[5]
    page.context.set_offline(True)
    page.set_input_files(f"#evidence-file-{item_id}", files=[
        {"name": "offline.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}])
    page.locator(f"#evidence-{item_id} .evidence-queued img").wait_for()
    page.locator("#outbox-status").get_by_text("1 ảnh hoặc tệp đang chờ gửi").wait_for()
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.locator(f"#evidence-{item_id} .evidence-files img").wait_for()
    assert page.locator(f"#evidence-{item_id} .evidence-queued").count() == 0
