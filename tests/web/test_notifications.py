"""The bell in the header, the notification list and marking read, with and without htmx."""
import re
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Notification, Role
from app.services import notifications as service
from app.services.notifications import Link
from tests import factories
from tests.conftest import HX, login


def notify(user, text="Có tồn tại mới cho đơn vị", link=Link("findings.detail", {"finding_id": 1}), count=1):
    for i in range(count):
        service.notify([user], text if count == 1 else f"{text} {i}", link)
    db.session.commit()


def rows(user):
    db.session.expire_all()  # the requests changed them in their own sessions
    return db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)).all()


@contextmanager
def recorded_queries():
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def about_notifications(statements):
    return [s for s in statements if re.search(r"\bnotification\b", s)]


@pytest.fixture
def head(app):
    return factories.make_user(Role.UNIT_HEAD, username="head")


@pytest.fixture
def as_head(client, head):
    return login(client, head)


# --- the bell --------------------------------------------------------------------------------------

def test_the_bell_shows_the_unread_count_for_one_cheap_query(as_head, head):
    notify(head, count=3)
    notify(factories.make_user(), "Của người khác")
    with recorded_queries() as statements:
        page = as_head.get("/").get_data(as_text=True)
    assert 'id="notification-bell"' in page
    assert 'aria-label="Notifications, 3 unread"' in page or 'aria-label="Thông báo, 3 chưa đọc"' in page
    assert re.search(r'class="bell-count"[^>]*>3<', page)
    (count,) = about_notifications(statements)  # one query about notifications on an ordinary page
    assert "count(" in count.lower()


def test_without_unread_the_bell_has_no_badge(as_head, head):
    notify(head)
    service.mark_all_read(head)
    page = as_head.get("/").get_data(as_text=True)
    assert 'id="notification-bell"' in page and "bell-count" not in page


def test_no_bell_and_no_query_for_visitors_or_fragments(client, as_head, head):
    with recorded_queries() as statements:
        page = client.application.test_client().get("/auth/login").get_data(as_text=True)
    assert "notification-bell" not in page and about_notifications(statements) == []
    # An htmx fragment without the bell (the users table's filter) does not count.
    admin = factories.make_user(Role.ADMIN)
    as_admin = login(client.application.test_client(), admin)
    with recorded_queries() as statements:
        fragment = as_admin.get("/admin/users?q=x", headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and about_notifications(statements) == []


# --- the list --------------------------------------------------------------------------------------

def test_the_list_is_newest_first_with_unread_highlighted(as_head, head):
    notify(head, "Tồn tại KT-01 đã được ban hành", Link("findings.detail", {"finding_id": 1}))
    notify(head, "Tồn tại KT-02 đã quá hạn", Link("findings.detail", {"finding_id": 2}))
    service.mark_read(head, rows(head)[0].id)
    notify(factories.make_user(), "Của người khác")
    page = as_head.get("/notifications/").get_data(as_text=True)
    assert "<html" in page and 'aria-current="page"' in page
    assert page.index("KT-02") < page.index("KT-01")
    assert "Của người khác" not in page
    second, first = rows(head)[1], rows(head)[0]
    assert re.search(rf'id="notification-{second.id}" class="notification unread"', page)
    assert re.search(rf'id="notification-{first.id}" class="notification"', page)
    assert f'action="/notifications/{second.id}/open"' in page and 'name="csrf_token"' in page
    assert f'hx-post="/notifications/{second.id}/read' in page and "/notifications/read-all" in page


def test_the_list_as_an_htmx_fragment(as_head, head):
    notify(head, "Tồn tại KT-01 đã được ban hành")
    response = as_head.get("/notifications/", headers=HX)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in fragment
    assert fragment.lstrip().startswith("<section id=\"notification-list\">") or 'id="notification-list"' in fragment
    assert "Tồn tại KT-01 đã được ban hành" in fragment and "notification-bell" not in fragment
    assert "HX-Request" in response.headers["Vary"]


def test_the_list_is_paginated(app, as_head, head):
    app.config["PER_PAGE"] = 2
    notify(head, "Thông báo", count=5)
    first = as_head.get("/notifications/").get_data(as_text=True)
    assert "Thông báo 4" in first and "Thông báo 3" in first and "Thông báo 2" not in first
    last = as_head.get("/notifications/?page=3").get_data(as_text=True)
    assert "Thông báo 0" in last and "Thông báo 1" not in last
    with recorded_queries() as statements:
        as_head.get("/notifications/?page=2")
    assert len(about_notifications(statements)) == 3  # the bell, the page's total, the page's rows


def test_the_list_needs_a_login(client):
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_every_role_has_notifications(client_as):
    for role in Role:
        assert client_as(role.value).get("/notifications/").status_code == 200


# --- opening and marking read ----------------------------------------------------------------------

def test_opening_marks_read_and_goes_to_the_link(as_head, head):
    notify(head, link=Link("findings.detail", {"finding_id": 42, "tab": "events"}))
    (notification,) = rows(head)
    response = as_head.post(f"/notifications/{notification.id}/open")
    assert response.status_code == 303 and response.headers["Location"] == "/findings/42?tab=events"
    db.session.refresh(notification)
    assert notification.read_at is not None
    assert as_head.get(f"/notifications/{notification.id}/open").status_code == 405  # a change needs a POST


def test_someone_elses_notification_is_not_found(as_head, head):
    other = factories.make_user()
    notify(other)
    (theirs,) = rows(other)
    for url in (f"/notifications/{theirs.id}/open", f"/notifications/{theirs.id}/read"):
        assert as_head.post(url).status_code == 404
        assert as_head.post(url, headers=HX).status_code == 404
    assert as_head.post("/notifications/999999/open").status_code == 404
    db.session.refresh(theirs)
    assert theirs.read_at is None


@pytest.mark.parametrize("endpoint, values", [
    ("findings.detail", {"finding_id": 1, "_external": True, "_scheme": "http"}),  # url_for's options
    ("gone.route", {}),  # written around notify(), which refuses it
    ("findings.detail", {}),  # values the route cannot take
])
def test_a_stored_link_leads_only_to_a_route_of_the_app(as_head, head, endpoint, values):
    notify(head)
    (notification,) = rows(head)
    notification.endpoint, notification.link_values = endpoint, values
    db.session.commit()
    response = as_head.post(f"/notifications/{notification.id}/open")
    assert response.status_code == 303 and response.headers["Location"] in ("/findings/1", "/notifications/")


def test_mark_read_without_javascript_returns_to_the_list(as_head, head):
    notify(head, count=2)
    first = rows(head)[0]
    response = as_head.post(f"/notifications/{first.id}/read?page=1")
    assert response.status_code == 303 and response.headers["Location"] == "/notifications/?page=1"
    assert [n.read_at is not None for n in rows(head)] == [True, False]


def test_mark_read_with_htmx_redraws_the_entry_and_the_bell(as_head, head):
    notify(head, count=2)
    first = rows(head)[0]
    response = as_head.post(f"/notifications/{first.id}/read", headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert re.search(rf'<li id="notification-{first.id}" class="notification">', body)  # no longer unread
    assert f"/notifications/{first.id}/read" not in body  # nothing left to mark
    bell = re.search(r'<a id="notification-bell"[^>]*>', body).group(0)
    assert 'hx-swap-oob="true"' in bell and ("1 unread" in bell or "1 chưa đọc" in bell)


def test_mark_all_read(as_head, head):
    notify(head, count=3)
    other = factories.make_user()
    notify(other)
    response = as_head.post("/notifications/read-all")
    assert response.status_code == 303 and response.headers["Location"] == "/notifications/"
    assert all(n.read_at is not None for n in rows(head)) and rows(other)[0].read_at is None
    page = as_head.get("/notifications/").get_data(as_text=True)
    assert "bell-count" not in page and "/notifications/read-all" not in page and "flash-success" in page


def test_mark_all_read_with_htmx_redraws_the_list_the_bell_and_the_message(as_head, head):
    notify(head, count=2)
    body = as_head.post("/notifications/read-all", headers=HX).get_data(as_text=True)
    assert "<html" not in body and 'id="notification-list"' in body and " unread" not in body.split("</section>")[0]
    bell = re.search(r'<a id="notification-bell"[^>]*>', body).group(0)
    assert 'hx-swap-oob="true"' in bell and "bell-count" not in body
    assert 'id="flash"' in body and "hx-swap-oob" in body.split('id="flash"')[1][:80]


def test_csrf_holds_on_mark_read(app, head):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/auth/login", data={"username": "head", "password": factories.PASSWORD, "csrf_token": token})
    notify(head)
    (notification,) = rows(head)
    assert client.post(f"/notifications/{notification.id}/open").status_code == 400
    page = client.get("/notifications/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/notifications/{notification.id}/open", data={"csrf_token": token})
    assert response.status_code == 303
