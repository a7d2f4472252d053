"""Response headers and proxy trust: CSP, HSTS, no-store on private responses.

Written by hand rather than with Flask-Talisman: the policy differs per response (a sandbox for
uploaded files, a style nonce only on the pages that carry a <style>, the CDN origin only when htmx
is not served locally), the cache rule depends on the login, and Talisman's HTTPS redirect and cookie
flags would duplicate what the reverse proxy and ProductionConfig already do.
"""
import secrets
from urllib.parse import urlsplit

from flask import Flask, Request, g, request
from flask_login import current_user
from werkzeug.formparser import FormDataParser
from werkzeug.middleware.proxy_fix import ProxyFix

# Uploaded files (photos, PDFs, signed scans) can run nothing and reach nothing from our origin.
SANDBOX = "sandbox"


class NamedPartsParser(FormDataParser):
    """Multipart bodies without a part's name= (no browser sends one) lose that part: Werkzeug keys it
    None, which broke Flask-WTF's CSRF check and every view reading the form with a 500."""

    def _parse_multipart(self, stream, mimetype, content_length, options):
        stream, form, files = super()._parse_multipart(stream, mimetype, content_length, options)
        named = [(key, value) for key, value in form.items(multi=True) if key is not None]
        named_files = [(key, value) for key, value in files.items(multi=True) if key is not None]
        return stream, self.cls(named), self.cls(named_files)


class AppRequest(Request):
    form_data_parser_class = NamedPartsParser


def init_app(app: Flask, htmx_local: bool) -> None:
    app.request_class = AppRequest
    hops = {name: app.config[f"PROXY_FIX_{name.upper()}"] for name in ("x_for", "x_proto", "x_host", "x_port", "x_prefix")}
    if any(hops.values()):
        # Trust X-Forwarded-* from exactly this many proxies: the client address (login throttling,
        # logs) and the scheme (secure cookies, HSTS) are then the real ones, and cannot be forged.
        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)

    policy = content_security_policy(None if htmx_local else app.config["HTMX_CDN_URL"])
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def security_headers(response):
        nonce = g.get("csp_nonce")
        response.headers.setdefault(
            "Content-Security-Policy",
            policy.replace("style-src 'self'", f"style-src 'self' 'nonce-{nonce}'") if nonce else policy,
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config["HSTS_SECONDS"] and request.is_secure:
            response.headers["Strict-Transport-Security"] = f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains"
        if request.endpoint != "static" and not response.cache_control.immutable and current_user.is_authenticated:
            # What a logged-in user sees stays out of every HTTP cache (the browser's and proxies');
            # the offline tablet keeps pages in its service worker's own cache.
            response.headers["Cache-Control"] = "no-store"
        return response


def content_security_policy(htmx_cdn_url: str | None) -> str:
    """No inline script, no eval; htmx reads its settings from <meta name="htmx-config">."""
    scripts = "'self'"
    if htmx_cdn_url:
        parts = urlsplit(htmx_cdn_url)
        scripts += f" {parts.scheme}://{parts.netloc}"
    return "; ".join([
        "default-src 'self'",  # fetch/XHR, the service worker, the web manifest and fonts: our origin only
        f"script-src {scripts}",
        "style-src 'self'",  # and a per-response nonce for the documents' <style> (csp_nonce)
        "img-src 'self' data: blob:",  # blob: the tablet shrinks photos through object URLs
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def csp_nonce() -> str:
    """A nonce for this response's inline <style> elements; pages without one send none."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def private_file(response):
    """An uploaded file as sent back: sandboxed, never stored by a cache."""
    response.headers["Content-Security-Policy"] = SANDBOX
    response.cache_control.public = False
    response.cache_control.max_age = None
    response.headers["Cache-Control"] = "no-store"
    return response
