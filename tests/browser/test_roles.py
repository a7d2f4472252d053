"""In Chromium at tablet sizes: each role sees only what it may, and htmx degrades safely."""
import pytest

from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def test_unit_head_sees_only_own_unit_on_a_portrait_tablet(live_server, tablet_portrait):
    page = tablet_portrait
    log_in(page, live_server, "unithead")
    assert page.locator("#my-units").inner_text().strip().startswith("UBND huyện Đắk Hà")
    nav = page.locator(".main-nav").inner_text()
    assert "Người dùng" not in nav and "Đơn vị" not in nav and "Nhật ký" not in nav
    assert "Sở Tư pháp" not in page.content()
    screenshot(page, "unithead-home-768x1024")

    for path in ("/admin/users", "/units/", "/admin/audit"):
        response = page.goto(f"{live_server}{path}")
        assert response.status == 403
        assert "Không có quyền truy cập" in page.locator("#error").inner_text()
    screenshot(page, "unithead-forbidden-768x1024")


def test_touch_targets_are_at_least_44px(live_server, tablet_portrait):
    page = tablet_portrait
    log_in(page, live_server, "admin")
    page.goto(f"{live_server}/units/new")
    for selector in ("input[name=code]", "select[name=kind]", "input[type=submit]", ".main-nav a"):
        box = page.locator(selector).first.bounding_box()
        assert box["height"] >= 44, selector


def test_admin_searches_units_with_htmx_on_a_landscape_tablet(live_server, tablet_landscape):
    page = tablet_landscape
    log_in(page, live_server, "admin")
    page.goto(f"{live_server}/units/")
    assert page.evaluate("typeof htmx") == "object"
    page.fill("input[name=q]", "Đắk Hà")
    page.wait_for_url(lambda url: "/units/?q=" in url)
    tree = page.locator("#unit-tree")
    tree.get_by_text("UBND huyện Đắk Hà").wait_for()
    assert "Sở Tư pháp" not in tree.inner_text()
    screenshot(page, "admin-units-search-1024x768")


def test_expired_session_during_htmx_request_loads_the_login_page(live_server, tablet_landscape):
    page = tablet_landscape
    log_in(page, live_server, "admin")
    page.goto(f"{live_server}/units/")
    page.context.clear_cookies()
    page.fill("input[name=q]", "Sở")
    page.wait_for_url(lambda url: "/auth/login?next=/units/" in url)
    # A whole login page, not a login form swapped into the unit tree.
    assert page.locator("#unit-tree").count() == 0
    assert page.locator("input[name=password]").count() == 1
