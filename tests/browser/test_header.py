"""In Chromium: the header is one touch row high for every role on a landscape and a portrait tablet;
the items without room are in the "More" menu, which opens without JavaScript and whose links work."""
import pytest

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser

ROLES = ("admin", "leader", "inspector", "unithead")


@pytest.mark.parametrize("size", [(1024, 768), (768, 1024)])
def test_the_header_stays_one_row_for_every_role(live_server, browser, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="vi-VN")
    page = context.new_page()
    for username in ROLES:
        context.clear_cookies()
        log_in(page, live_server, username)
        screenshot(page, f"header-{username}-{size[0]}x{size[1]}", full_page=False)
        header = page.locator("header.topbar").bounding_box()
        assert header["height"] <= 60, (username, size, header)  # one 44 px row and its padding
    context.close()


def test_the_more_menu_opens_and_its_links_work_without_javascript(live_server, browser):
    context = browser.new_context(viewport={"width": 768, "height": 1024}, locale="vi-VN", java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, "leader")
    more = page.locator("details.nav-more")
    assert not page.locator(".nav-panel").is_visible()
    more.locator("summary").click()
    panel = page.locator(".nav-panel")
    assert panel.is_visible() and panel.get_by_role("link", name="Tồn tại, hạn chế").is_visible()
    screenshot(page, "header-more-open-768x1024", full_page=False)
    panel.get_by_role("link", name="Văn bản chỉ đạo").click()
    page.wait_for_url(f"{live_server}/directives/")
    assert "517/BCĐ-NC" in page.content()
    context.close()
