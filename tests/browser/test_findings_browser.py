"""In Chromium at 768×1024, on the demo data: `unithead` answers a finding with a photo and submits it,
`inspector` sends it back, `unithead` resubmits, `inspector` accepts, and the timeline shows every step."""
import io

import pytest
import sqlalchemy as sa
from PIL import Image

from app.extensions import db
from app.models import Finding, FindingStatus
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def finding_id(live):
    """The demo's open repeat finding of UBND huyện Đắk Hà."""
    app, _url = live
    with app.app_context():
        return db.session.scalar(sa.select(Finding.id).where(Finding.status == FindingStatus.OPEN,
                                                             Finding.repeat_of_id.is_not(None)))


def photo() -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 120, 200)).save(buffer, "JPEG")
    return {"name": "bang-niem-yet.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def log_out(page):
    page.context.clear_cookies()


def events(page, kind):
    return page.locator(f"#timeline .event-{kind}")


def report_and_submit(page, base, finding_id, text, with_photo):
    page.goto(f"{base}/findings/{finding_id}")
    page.fill("#respond textarea[name=respond-text]", text)
    if with_photo:
        page.set_input_files("#respond input[type=file]", files=[photo()])
    before = events(page, "progress").count()
    page.click("#respond button[type=submit]")
    events(page, "progress").nth(before).wait_for()
    submitted = events(page, "submitted").count()
    page.fill("#submit textarea[name=submit-text]", "Đề nghị Đoàn kiểm tra xác minh.")
    page.click("#submit button[type=submit]")
    events(page, "submitted").nth(submitted).wait_for()


def test_a_finding_from_the_unit_to_closed(live_server, finding_id, browser):
    base = live_server
    context = browser.new_context(viewport={"width": 768, "height": 1024}, locale="vi-VN")
    page = context.new_page()

    log_in(page, base, "unithead")
    todo = page.locator("#todo-findings")
    assert todo.locator(".finding-row.is-overdue").count() >= 1  # overdue ones come first
    assert "is-overdue" in (todo.locator(".finding-row").first.get_attribute("class") or "")
    screenshot(page, "findings-unithead-todo-768x1024")
    page.click(f"#finding-{finding_id} a.finding-link")
    page.wait_for_url(f"{base}/findings/{finding_id}")
    assert page.evaluate("typeof htmx") == "object"
    report_and_submit(page, base, finding_id, "Đã niêm yết lại bảng công khai, có ảnh chụp.", with_photo=True)
    assert page.locator("#timeline .event-progress img").count() == 1
    assert page.locator("#finding-state .status-submitted").count() == 1
    assert page.locator("#submit").count() == 0 and page.locator("#verify").count() == 0
    screenshot(page, "findings-unithead-submitted-768x1024")
    log_out(page)

    log_in(page, base, "inspector")
    page.locator(f"#findings-to-verify #finding-{finding_id}").wait_for()
    page.goto(f"{base}/findings/{finding_id}")
    page.click("#verify button[value=send-back]")  # without a reason: refused beside the field
    page.locator("#back-reason-error").wait_for()
    page.fill("#verify textarea[name=back-reason]", "Ảnh chưa thấy rõ nội dung niêm yết.")
    page.click("#verify button[value=send-back]")
    events(page, "rejected").first.wait_for()
    assert page.locator("#finding-state .status-reopened").count() == 1
    screenshot(page, "findings-inspector-sent-back-768x1024")
    log_out(page)

    log_in(page, base, "unithead")
    report_and_submit(page, base, finding_id, "Chụp lại ảnh rõ hơn.", with_photo=True)
    log_out(page)

    log_in(page, base, "inspector")
    page.goto(f"{base}/findings/{finding_id}")
    page.fill("#verify textarea[name=accept-text]", "Đạt yêu cầu.")
    page.click("#verify button[value=accept]")
    events(page, "accepted").first.wait_for()
    assert page.locator("#finding-state .status-closed").count() == 1
    kinds = page.locator("#timeline .event").evaluate_all("els => els.map(e => e.className.split('event-')[1])")
    assert kinds == ["issued", "progress", "submitted", "rejected", "progress", "submitted", "accepted"]
    assert page.locator("#verify").count() == 0
    screenshot(page, "findings-inspector-accepted-768x1024")
    for element in page.locator("#finding button, #finding .button").all():
        box = element.bounding_box()
        assert box is None or box["height"] >= 44
    context.close()
