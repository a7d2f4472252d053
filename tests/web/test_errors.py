import pytest

from tests.conftest import HX
from tests.factories import PASSWORD, make_user


def test_404_is_a_vietnamese_page(as_admin):
    response = as_admin.get("/units/999999")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "<html" in page and "Không tìm thấy" in page


def test_404_fragment_for_htmx(as_admin):
    response = as_admin.get("/units/999999", headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 404 and "<html" not in body and "Không tìm thấy" in body


def test_413_for_too_large_upload(app, as_admin):
    app.config["MAX_CONTENT_LENGTH"] = 100
    response = as_admin.post("/units/import", data={"file": (__import__("io").BytesIO(b"x" * 500), "a.csv")},
                             content_type="multipart/form-data")
    assert response.status_code == 413
    assert "quá lớn" in response.get_data(as_text=True)


def test_500_shows_a_calm_page(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "Lỗi máy chủ" in response.get_data(as_text=True)


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_csrf_is_enforced_on_forms_and_htmx(csrf_app):
    user = make_user(username="kiemtra")
    client = csrf_app.test_client()
    # Without a token: refused with a Vietnamese message.
    response = client.post("/auth/login", data={"username": "kiemtra", "password": PASSWORD})
    assert response.status_code == 400
    assert "tải lại trang" in response.get_data(as_text=True)
    # With the token from the form, login works.
    page = client.get("/auth/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/auth/login", data={"username": "kiemtra", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    # htmx sends the token in the X-CSRFToken header set on <body>.
    body_token = client.get("/").get_data(as_text=True).split('"X-CSRFToken": "')[1].split('"')[0]
    assert client.post("/auth/logout", headers=HX).status_code == 400
    assert client.post("/auth/logout", headers={**HX, "X-CSRFToken": body_token}).status_code == 303
    assert user.id


def test_security_headers(client):
    response = client.get("/auth/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_htmx_config_meta_swaps_422(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert '"code":"422","swap":true' in page and '"historyRestoreAsHxRequest":false' in page


def test_htmx_comes_from_vendor_copy_or_pinned_cdn(app, client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert "/static/vendor/htmx.min.js" in page or (
        "htmx.org@2.0.11" in page and 'integrity="sha384-' in page)


