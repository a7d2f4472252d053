"""The bell and the notification list on a tablet: the badge follows htmx's mark read, an entry opens its page."""
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import User
from app.services.notifications import Link, mark_all_read, notify
from tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def test_bell_list_and_mark_read(live, tablet_portrait):
    app, base_url = live
    page = tablet_portrait
    with app.app_context():
        head = db.session.scalar(sa.select(User).where(User.username == "unithead"))
        mark_all_read(head)  # the demo's own notifications (findings issued…) are not this test's
        notify([head], "Tồn tại KT-2026-001/1 đã được ban hành cho đơn vị của bạn", Link("inspections.index", {}))
        notify([head], "Tồn tại KT-2026-001/2 đã quá hạn từ 03/05/2026", Link("main.index", {}))
        notify([head], "Thời hạn của tồn tại KT-2026-001/3 đã được gia hạn đến 30/06/2026", Link("main.index", {}))
        db.session.commit()

    log_in(page, base_url, "unithead")
    bell = page.locator("#notification-bell")
    assert bell.locator(".bell-count").inner_text() == "3"
    assert re.search(r"3", bell.get_attribute("aria-label"))
    box = bell.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44  # a touch target

    bell.click()
    page.wait_for_url(f"{base_url}/notifications/")
    entries = page.locator("li.notification")
    assert page.locator("li.notification.unread").count() == 3
    assert "gia hạn" in entries.first.inner_text()  # newest first
    screenshot(page, "notifications-list")

    # Mark read in place: the entry and the badge change without a page load.
    entries.first.get_by_role("button", name=re.compile("Mark read|Đánh dấu đã đọc")).click()
    page.wait_for_function("() => document.querySelector('#notification-bell .bell-count').textContent === '2'")
    page.wait_for_function("() => document.querySelectorAll('li.notification.unread').length === 2")
    assert page.url == f"{base_url}/notifications/"

    # Opening an entry marks it read and goes to its page.
    page.locator("li.notification.unread").get_by_role("button", name="đã được ban hành cho đơn vị").click()
    page.wait_for_url(f"{base_url}/inspections/")
    assert page.locator("#notification-bell .bell-count").inner_text() == "1"

    page.goto(f"{base_url}/notifications/")
    page.get_by_role("button", name=re.compile("Mark all read|Đánh dấu tất cả")).click()
    page.wait_for_function("() => !document.querySelector('#notification-bell .bell-count')")
    page.wait_for_function("() => document.querySelectorAll('li.notification.unread').length === 0")
    assert page.locator("#flash .flash-success").count() == 1
