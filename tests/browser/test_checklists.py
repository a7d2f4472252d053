"""In Chromium at 1024×768: a leader builds a small checklist with the editor, publishes and previews it."""
import pytest

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def test_build_publish_and_preview_a_checklist(live_server, tablet_landscape):
    page = tablet_landscape
    page.on("dialog", lambda dialog: dialog.accept())  # the publish confirmation
    log_in(page, live_server, "leader")

    page.goto(f"{live_server}/checklists/new")
    page.fill("input[name=family]", "TTHC")
    page.fill("input[name=name]", "Kiểm tra niêm yết thủ tục hành chính")
    page.click("input[type=submit]")
    page.wait_for_url(lambda url: "/checklists/" in url and url.rstrip("/").split("/")[-1].isdigit())

    page.fill("#new-section input[name=title]", "Công khai thủ tục hành chính")
    page.select_option("#new-section select[name=par_area]", "procedures")
    page.click("#new-section input[type=submit]")
    section = page.locator("section.checklist-section").first
    section.wait_for()

    # The item form opens in place (htmx) and the saved item appears in its section.
    section.get_by_role("link", name="+ Thêm tiêu chí").click()
    form = page.locator("form.item-form")
    form.locator("textarea[name=question]").fill("Niêm yết đầy đủ, đúng quy định các TTHC tại Bộ phận Một cửa")
    form.locator("input[type=submit]").click()
    section.get_by_text("Niêm yết đầy đủ").wait_for()

    # A refused item stays open with its message beside the field, and nothing typed is lost.
    section.get_by_role("link", name="+ Thêm tiêu chí").click()
    form = page.locator("form.item-form")
    form.locator("select[name=answer_type]").select_option("percent")
    form.locator("textarea[name=question]").fill("Tỷ lệ hồ sơ giải quyết đúng hạn")
    form.locator("select[name=target_operator]").select_option(">=")
    form.locator("input[name=target_value]").fill("120")
    form.locator("input[type=submit]").click()
    form.locator(".errors").get_by_text("0 đến 100").wait_for()
    assert form.locator("textarea[name=question]").input_value() == "Tỷ lệ hồ sơ giải quyết đúng hạn"
    form.locator("input[name=target_value]").fill("95")
    form.locator("input[type=submit]").click()
    section.get_by_text("≥ 95").wait_for()
    screenshot(page, "checklist-editor-1024x768")

    page.get_by_role("button", name="Ban hành").click()
    page.locator(".badge.status-published").first.wait_for()
    assert page.locator("form.item-form").count() == 0 and page.get_by_role("link", name="+ Thêm tiêu chí").count() == 0

    page.get_by_role("link", name="Xem trước").click()
    page.get_by_text("Tỷ lệ hồ sơ giải quyết đúng hạn").wait_for()
    assert page.locator("fieldset.answer").count() == 2
    toggle = page.locator("label.toggle").first.bounding_box()
    assert toggle["height"] >= 44
    screenshot(page, "checklist-preview-1024x768")
