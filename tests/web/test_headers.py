"""Security headers: the Content-Security-Policy, no-store on private responses, sandboxed uploads,
HSTS and proxy trust in production."""
import io
import re
from pathlib import Path

import pytest

from app import create_app
from app.config import DevelopmentConfig, ProductionConfig
from app.models import Role
from app.security import content_security_policy
from tests.conftest import database_overrides, login
from tests.factories import make_user
from tests.images import png

TEMPLATES = Path(__file__).resolve().parents[2] / "app" / "templates"


def directives(response) -> dict:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


def test_every_page_has_a_strict_policy(client, inspector):
    for response in (client.get("/auth/login"), login(client, inspector).get("/"), client.get("/nowhere")):
        policy = directives(response)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]  # the local htmx copy: no CDN, nothing inline, no eval
        assert policy["style-src"] == ["'self'"]
        assert policy["img-src"] == ["'self'", "data:", "blob:"]
        assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
        assert "unsafe" not in response.headers["Content-Security-Policy"]


def test_the_cdn_fallback_allows_exactly_the_cdn_origin():
    policy = content_security_policy("https://cdn.jsdelivr.net/npm/htmx.org@2.0.11/dist/htmx.min.js")
    assert "script-src 'self' https://cdn.jsdelivr.net;" in policy


@pytest.mark.parametrize("template", sorted(p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")))
def test_templates_have_no_inline_script_style_attribute_or_handler(template):
    text = re.sub(r"\{#.*?#\}", "", (TEMPLATES / template).read_text(), flags=re.S)  # without comments
    assert not re.search(r"<[a-zA-Z][^<>]*\sstyle=", text)
    assert not re.search(r"<[a-zA-Z][^<>]*\son[a-z]+=", text)
    assert not re.search(r"<script(?![^>]*\bsrc=)", text)
    assert not re.search(r"<style(?![^>]*\bnonce=)", text)
    # htmx would need eval for an event filter (hx-trigger="change[…]") or hx-on.
    assert not re.search(r'hx-trigger="(?:[^"]*[\s,])?[\w.-]+\[', text) and "hx-on:" not in text


def test_htmx_is_configured_for_the_policy(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert '"includeIndicatorStyles":false' in page and '"allowEval":false' in page


def test_logged_in_pages_and_exports_are_not_stored(app, client):
    login(client, make_user(Role.LEADER))
    for url in ("/", "/reports/export/findings.xlsx", "/reports/export/findings.csv", "/findings/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url


def test_static_files_keep_their_own_caching(client, inspector):
    login(client, inspector)
    response = client.get("/static/css/app.css")
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_csv_export_names_its_charset_once(client):
    login(client, make_user(Role.LEADER))
    response = client.get("/reports/export/findings.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


@pytest.mark.usefixtures("instance")
def test_uploaded_files_are_sandboxed_and_not_stored(client, lead, inspection, item):
    login(client, lead)
    data = {"file": [(io.BytesIO(png()), "a.png"), (io.BytesIO(b"%PDF-1.7\n%%EOF\n"), "b.pdf")]}
    client.post(f"/inspections/{inspection.id}/items/{item.id}/evidence", data=data, content_type="multipart/form-data")
    from app.extensions import db
    from app.models import Attachment

    image, pdf = db.session.scalars(db.select(Attachment).order_by(Attachment.id)).all()
    for url in (f"/inspections/evidence/{image.id}", f"/inspections/evidence/{image.id}/thumb",
                f"/inspections/evidence/{pdf.id}"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Content-Security-Policy"] == "sandbox"
        assert response.headers["Cache-Control"] == "no-store"
        response.close()
    response = client.get(f"/inspections/evidence/{pdf.id}")
    # A PDF (which may carry JavaScript) is downloaded, never opened inside our origin.
    assert response.headers["Content-Disposition"].startswith("attachment")
    response.close()


def production_app(tmp_path, **overrides):
    return create_app(ProductionConfig, SECRET_KEY="x" * 40, **database_overrides(tmp_path), **overrides)


def test_production_trusts_one_proxy_and_sends_hsts(tmp_path):
    app = production_app(tmp_path)
    seen = {}

    @app.get("/_probe")
    def probe():
        from flask import request

        seen.update(address=request.remote_addr, secure=request.is_secure)
        return "ok"

    headers = {"X-Forwarded-For": "6.6.6.6, 203.0.113.5", "X-Forwarded-Proto": "https"}
    response = app.test_client().get("/_probe", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    # The address the proxy saw, not the one the client claimed in front of it.
    assert seen == {"address": "203.0.113.5", "secure": True}
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_development_trusts_no_proxy_and_sends_no_hsts(tmp_path):
    app = create_app(DevelopmentConfig, SECRET_KEY="dev", **database_overrides(tmp_path))
    seen = {}

    @app.get("/_probe")
    def probe():
        from flask import request

        seen.update(address=request.remote_addr)
        return "ok"

    response = app.test_client().get("/_probe", headers={"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https"})
    assert seen == {"address": "127.0.0.1"}
    assert "Strict-Transport-Security" not in response.headers

