"""In Chromium at 768×1024, on the demo data: `unithead` (UBND huyện Đắk Hà) finds directive 517's
tasks on the to-do list, reports progress on one with a photo, and the leader evaluates it."""
import io

import pytest
from PIL import Image

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def photo() -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 120, 40)).save(buffer, "JPEG")
    return {"name": "hop-giao-ban.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def test_a_unit_head_reports_progress_on_a_task_with_a_photo(live_server, tablet_portrait, browser):
    page, base = tablet_portrait, live_server
    log_in(page, base, "unithead")
    tasks = page.locator("#todo-items .finding-row")
    assert tasks.count() >= 3
    screenshot(page, "follow-up-todo-768")
    page.locator("#todo-items a", has_text="Tăng cường thanh tra, kiểm tra").click()
    page.locator("#report").wait_for()
    assert "Quý" in page.locator("#report h2").inner_text()  # the quarter whose report is owed
    page.fill("#report textarea[name=report-text]", "Đã kiểm tra 4 xã trong quý; chấn chỉnh giờ làm việc.")
    page.set_input_files("#report input[type=file]", files=[photo()])
    page.click("#report button[type=submit]")
    step = page.locator("#timeline .event-report").last
    step.locator("img").wait_for()
    assert "chấn chỉnh giờ làm việc" in step.inner_text()
    assert step.locator("img").evaluate("img => img.naturalWidth") > 0  # the thumbnail is served
    screenshot(page, "follow-up-reported-768")

    leader = browser.new_context(viewport={"width": 1024, "height": 768}, locale="vi-VN").new_page()
    log_in(leader, base, "leader")
    leader.goto(page.url)
    leader.check("#evaluate input[value=in_progress]")
    leader.fill("#evaluate textarea[name=evaluate-reason]", "Còn 8 xã chưa kiểm tra.")
    leader.click("#evaluate button[type=submit]")
    leader.locator("#timeline .event-evaluation").wait_for()
    assert "Đang thực hiện" in leader.locator("#timeline .event-evaluation").inner_text()
    screenshot(leader, "follow-up-evaluated-1024")
    leader.context.close()
