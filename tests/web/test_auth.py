from datetime import timedelta

import pytest

from app.extensions import db
from app.models import AuditEvent
from app.models.base import utcnow
from tests.conftest import HX, login
from tests.factories import PASSWORD, make_user


def post_login(client, username, password, **extra):
    return client.post("/auth/login", data={"username": username, "password": password, **extra})


def test_login_page_is_vietnamese_by_default(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert "Đăng nhập" in page


def test_login_and_logout(client, inspector):
    response = post_login(client, "inspector", PASSWORD)
    assert response.status_code == 303
    assert response.location == "/"
    assert inspector.full_name in client.get("/").get_data(as_text=True)

    response = client.post("/auth/logout")
    assert response.status_code == 303
    assert client.get("/").status_code == 302


def test_username_is_not_case_sensitive(client, inspector):
    assert post_login(client, "INSPECTOR", PASSWORD).status_code == 303


def test_wrong_password_shows_message_in_vietnamese(client, inspector):
    response = post_login(client, "inspector", "wrong")
    assert response.status_code == 422
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.get_data(as_text=True)


def test_unknown_user_gets_the_same_message(client):
    response = post_login(client, "nobody", "wrong")
    assert response.status_code == 422
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.get_data(as_text=True)


def test_inactive_user_cannot_log_in(client):
    make_user(username="gone", active=False)
    assert post_login(client, "gone", PASSWORD).status_code == 422


def test_account_locks_after_repeated_failures(app, client, inspector):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        post_login(client, "inspector", "wrong")
    # Even the right password is refused while the lock lasts.
    response = post_login(client, "inspector", PASSWORD)
    assert response.status_code == 422
    assert "bị khóa" in response.get_data(as_text=True)
    # …with the very message an unknown username gets, so nobody learns which accounts exist.
    assert response.get_data(as_text=True).count("bị khóa") == post_login(client, "nobody", "x").get_data(
        as_text=True).count("bị khóa")
    db.session.refresh(inspector)
    assert inspector.locked_until > utcnow()
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "lock")) is not None


def test_lock_expires(client, inspector):
    inspector.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert post_login(client, "inspector", PASSWORD).status_code == 303


def test_successful_login_resets_the_failure_count(client, inspector):
    post_login(client, "inspector", "wrong")
    post_login(client, "inspector", PASSWORD)
    db.session.refresh(inspector)
    assert inspector.failed_logins == 0


@pytest.mark.parametrize("next_url", ["/units/?q=a", "/admin/users"])
def test_next_accepts_local_paths(client, admin, next_url):
    response = post_login(client, "admin", PASSWORD, next=next_url)
    assert response.location == next_url


@pytest.mark.parametrize(
    "next_url",
    ["http://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "https:/evil", "units",
     "/\r\n//evil.example", "/\t/evil.example"],
)
def test_next_refuses_other_sites(client, admin, next_url):
    response = post_login(client, "admin", PASSWORD, next=next_url)
    assert response.location == "/"


def test_anonymous_page_request_redirects_to_login_with_next(client):
    response = client.get("/units/?q=x")
    assert response.status_code == 302
    assert response.location.startswith("/auth/login?next=")
    assert "units" in response.location


def test_anonymous_htmx_request_gets_401_and_hx_redirect(client):
    response = client.get("/units/", headers={**HX, "HX-Current-URL": "http://localhost/units/?q=so"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/auth/login?next=/units/?q%3Dso"
    assert response.get_data(as_text=True) == ""


def test_session_cookie_flags(app, client, inspector):
    response = post_login(client, "inspector", PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_change_own_password(client, inspector):
    login(client, inspector)
    response = client.post("/auth/password", data={
        "current_password": PASSWORD, "new_password": "new-password-1", "confirm": "new-password-1"})
    assert response.status_code == 303
    # Still logged in after the change, and the new password works next time.
    assert client.get("/").status_code == 200
    client.post("/auth/logout")
    assert post_login(client, "inspector", "new-password-1").status_code == 303


@pytest.mark.parametrize(
    "data, message",
    [
        ({"current_password": "wrong", "new_password": "new-password-1", "confirm": "new-password-1"},
         "Mật khẩu hiện tại không đúng"),
        ({"current_password": PASSWORD, "new_password": "short", "confirm": "short"}, "ít nhất 8 ký tự"),
        ({"current_password": PASSWORD, "new_password": "new-password-1", "confirm": "other-password"},
         "Hai mật khẩu không khớp"),
    ],
)
def test_change_own_password_refuses_bad_input(client, inspector, data, message):
    login(client, inspector)
    response = client.post("/auth/password", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    client.post("/auth/logout")
    assert post_login(client, "inspector", PASSWORD).status_code == 303


def test_password_reset_by_admin_ends_other_sessions(app, client, inspector, admin):
    login(client, inspector)
    admin_client = login(app.test_client(), admin)
    admin_client.post(f"/admin/users/{inspector.id}/password",
                      data={"password": "reset-password-1", "confirm": "reset-password-1"})
    assert client.get("/").status_code == 302


def test_switch_language_to_english_and_back(client, inspector):
    login(client, inspector)
    response = client.post("/auth/locale", data={"locale": "en", "next": "/"})
    assert response.location == "/"
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log out" in page
    client.post("/auth/locale", data={"locale": "vi", "next": "/"})
    assert "Đăng xuất" in client.get("/").get_data(as_text=True)


def test_switch_language_before_login(client):
    client.post("/auth/locale", data={"locale": "en", "next": "/auth/login"})
    assert "Log in" in client.get("/auth/login").get_data(as_text=True)
