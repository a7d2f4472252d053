from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import UserSession
from app.models.base import utcnow
from tests.conftest import HX, login
from tests.factories import PASSWORD, make_user

ANDROID_CHROME = ("Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/131.0.0.0 Safari/537.36")
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"


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


def test_repeated_failures_are_throttled_per_address_and_account(app, client, inspector):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert post_login(client, "inspector", "wrong").status_code == 422
    # From this address even the right password now waits, with a clear message and a Retry-After.
    response = post_login(client, "inspector", PASSWORD)
    assert response.status_code == 429
    assert "Quá nhiều lần thử. Vui lòng thử lại sau 15 phút." in response.get_data(as_text=True)
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    # An unknown username is throttled the same way, so throttling does not tell which accounts exist.
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        post_login(client, "nobody", "wrong")
    assert post_login(client, "nobody", "wrong").status_code == 429


def test_an_attacker_cannot_lock_out_a_user_who_logs_in_elsewhere(app, inspector):
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 3):
        post_login(attacker, "inspector", "wrong")
    assert post_login(attacker, "inspector", PASSWORD).status_code == 429

    user = app.test_client()
    user.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert post_login(user, "inspector", PASSWORD).status_code == 303


def test_one_address_guessing_many_accounts_is_throttled(app, client):
    app.config.update(LOGIN_ADDRESS_MAX_FAILURES=3)
    for name in ("an", "binh", "chi"):
        assert post_login(client, name, "wrong").status_code == 422
    assert post_login(client, "dung", "wrong").status_code == 429


def test_successful_logins_do_not_use_up_the_allowance(app, client, inspector):
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1):
        assert post_login(client, "inspector", PASSWORD).status_code == 303
        client.post("/auth/logout")


def test_wrong_current_passwords_are_throttled_too(app, client, inspector):
    login(client, inspector)
    wrong = {"current_password": "wrong", "new_password": "new-password-1", "confirm": "new-password-1"}
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert client.post("/auth/password", data=wrong).status_code == 422
    right = {**wrong, "current_password": PASSWORD}
    response = client.post("/auth/password", data=right)
    assert response.status_code == 429
    assert "Quá nhiều lần thử" in response.get_data(as_text=True)
    assert "Retry-After" in response.headers


def device(app, user, user_agent=ANDROID_CHROME):
    """Another device logged in as `user`."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    return login(client, user)


def test_logout_ends_a_captured_session_cookie_and_no_other_device(app, client, inspector):
    login(client, inspector)
    tablet = device(app, inspector)
    stolen = app.test_client()
    stolen.set_cookie("session", client.get_cookie("session").value)
    assert stolen.get("/").status_code == 200
    response = client.post("/auth/logout")
    assert "Bạn đã đăng xuất." in client.get(response.location).get_data(as_text=True)
    assert stolen.get("/").status_code == 302
    assert client.get("/").status_code == 302
    assert tablet.get("/").status_code == 200  # the tablet in the field stays logged in


def test_log_out_everywhere_from_the_account_page(app, client, inspector):
    login(client, inspector)
    tablet = device(app, inspector)
    page = client.get("/auth/password").get_data(as_text=True)
    assert 'action="/auth/logout-everywhere"' in page and "Đăng xuất khỏi mọi thiết bị" in page
    response = client.post("/auth/logout-everywhere")
    assert response.status_code == 303
    assert "đăng xuất khỏi mọi thiết bị" in client.get(response.location).get_data(as_text=True)
    assert tablet.get("/").status_code == 302
    assert client.get("/").status_code == 302


def test_the_account_page_lists_the_users_sessions(app, client, inspector):
    client.environ_base["HTTP_USER_AGENT"] = WINDOWS_FIREFOX
    login(client, inspector)
    device(app, inspector)
    page = client.get("/auth/password").get_data(as_text=True)
    sessions = page[page.index('id="sessions"'):]
    assert "Thiết bị đang đăng nhập" in sessions
    assert "Firefox, Windows" in sessions and "Chrome, Android" in sessions
    [this_device] = [row for row in sessions.split("<tr>") if "Thiết bị này" in row]
    assert "Firefox, Windows" in this_device


def test_a_unit_head_neither_sees_nor_ends_another_users_sessions(app, client, inspector, unit_head):
    tablet = device(app, inspector)
    client.environ_base["HTTP_USER_AGENT"] = WINDOWS_FIREFOX
    login(client, unit_head)
    page = client.get("/auth/password").get_data(as_text=True)
    assert "Chrome, Android" not in page and "Firefox, Windows" in page
    foreign = {"user_id": inspector.id, "token": tablet.get_cookie("session").value}
    client.post("/auth/logout-everywhere", data=foreign)
    login(client, unit_head)
    client.post("/auth/logout", data=foreign)
    assert tablet.get("/").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).where(UserSession.user_id == unit_head.id)) == 0


def test_an_unknown_or_expired_session_gets_the_login_page(app, client, inspector):
    forged = app.session_interface.get_signing_serializer(app).dumps({"_user_id": "no-such-token", "_fresh": True})
    client.set_cookie("session", forged)
    assert client.get("/").location.startswith("/auth/login")

    login(client, inspector)
    db.session.execute(sa.update(UserSession).values(
        last_seen_at=utcnow() - app.permanent_session_lifetime - timedelta(minutes=1)))
    db.session.commit()
    response = client.get("/inspections/")
    assert response.status_code == 302 and response.location.startswith("/auth/login")


def test_deactivating_a_user_ends_their_sessions(app, client, inspector, admin):
    from app.services import accounts

    login(client, inspector)
    tablet = device(app, inspector)
    accounts.update_user(admin, inspector, active=False)
    assert client.get("/").status_code == 302
    assert tablet.get("/").status_code == 302


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


def test_change_own_password(app, client, inspector):
    login(client, inspector)
    tablet = device(app, inspector)
    response = client.post("/auth/password", data={
        "current_password": PASSWORD, "new_password": "new-password-1", "confirm": "new-password-1"})
    assert response.status_code == 303
    # Still logged in here after the change, the other device is not, and the new password works next time.
    assert client.get("/").status_code == 200
    assert tablet.get("/").status_code == 302
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


def test_password_reset_by_admin_ends_every_session(app, client, inspector, admin):
    login(client, inspector)
    tablet = device(app, inspector)
    admin_client = login(app.test_client(), admin)
    admin_client.post(f"/admin/users/{inspector.id}/password",
                      data={"password": "reset-password-1", "confirm": "reset-password-1"})
    assert client.get("/").status_code == 302
    assert tablet.get("/").status_code == 302
    assert admin_client.get("/").status_code == 200


def test_an_administrator_resetting_their_own_password_stays_logged_in_here_only(app, client, admin):
    login(client, admin)
    laptop = device(app, admin)
    response = client.post(f"/admin/users/{admin.id}/password",
                           data={"password": "reset-password-1", "confirm": "reset-password-1"})
    assert response.status_code == 303
    assert client.get("/").status_code == 200
    assert laptop.get("/").status_code == 302


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
