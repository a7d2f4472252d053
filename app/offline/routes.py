import hashlib
import json
from pathlib import Path

from flask import current_app, g, jsonify, make_response, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.extensions import login_manager
from app.offline import bp

# What every page may need offline, precached by the worker at install (vendor files only when
# `make vendor` fetched them). The worker's own libraries are loaded by importScripts.
ASSETS = ("css/app.css", "js/app.js", "js/checklist.js", "js/evidence.js", "js/offline.js", "js/outbox.js",
          "vendor/htmx.min.js", "vendor/idb/umd.js", "icons/icon-192.png")
WORKER_LIBRARIES = ("vendor/workbox/workbox-sw.js", "vendor/idb/umd.js")


def worker_available() -> bool:
    """The worker needs Workbox and idb from npm (make vendor); without them pages work as before."""
    static = Path(current_app.static_folder)
    return all((static / name).is_file() for name in WORKER_LIBRARIES)


def _precache() -> list[dict]:
    static = Path(current_app.static_folder)
    entries = [{"url": url_for("static", filename=name), "revision": None}
               for name in ASSETS if (static / name).is_file()]
    # The offline page changes with its template and the assets it links to.
    page = Path(current_app.root_path, "templates", "offline", "page.html").read_bytes()
    revision = hashlib.sha256(page + json.dumps(entries).encode()).hexdigest()[:12]
    return entries + [{"url": url_for("offline.page"), "revision": revision}]


@bp.route("/sw.js")
def service_worker():
    """The worker at the root scope. Its settings (the precache list with the assets' hashes) are part of
    the script, so a release with new assets is a new worker."""
    settings = {
        "precache": _precache(),
        "offlinePage": url_for("offline.page"),
        "session": url_for("offline.session"),
        "logouts": [url_for("auth.logout"), url_for("auth.logout_everywhere")],
        "workbox": url_for("static", filename="vendor/workbox/", v=None),
        "libraries": [url_for("static", filename="vendor/idb/umd.js"), url_for("static", filename="js/outbox.js")],
    }
    body = (f"self.KIEMTRA = {json.dumps(settings)};\n"
            f"importScripts({json.dumps(url_for('static', filename='js/service-worker.js'))});\n")
    response = make_response(body)
    response.mimetype = "text/javascript"
    response.cache_control.no_cache = True
    return response


@bp.route("/manifest.webmanifest")
def manifest():
    icons = [{"src": url_for("static", filename=f"icons/{name}"), "sizes": size, "type": "image/png",
              "purpose": purpose}
             for name, size, purpose in (("icon-192.png", "192x192", "any"), ("icon-512.png", "512x512", "any"),
                                         ("maskable-512.png", "512x512", "maskable"))]
    response = jsonify({
        "name": "Kiểm Tra – kiểm tra CCHC và kỷ luật, kỷ cương hành chính",
        "short_name": "Kiểm Tra",
        "lang": "vi",
        "start_url": url_for("main.index"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5cad",
        "icons": icons,
    })
    response.mimetype = "application/manifest+json"
    return response


@bp.route("/offline")
def page():
    """What this tablet keeps: stored pages and the answers and files waiting to be sent (drawn by
    offline.js from the tablet's storage). Nobody's data is in it, so the worker keeps one copy for
    everyone and shows it for any address it cannot reach."""
    # Drawn as for nobody (no name, no menu) whoever asks: the worker fetches it with the session's cookie.
    return render_template("offline/page.html", current_user=login_manager.anonymous_user(),
                           navigation=lambda: [], offline_page=True)


@bp.route("/offline/session")
def session():
    """Who is logged in here and the session's CSRF token: the outbox sends a user's entries only in that
    user's session, with a token of the session it sends in (the queued one may be from an older one)."""
    if not current_user.is_authenticated:
        response = make_response(jsonify({"user": None, "message": _("Log in again to send.")}), 401)
    else:
        response = jsonify({"user": current_user.id, "csrf": generate_csrf()})
    response.cache_control.no_store = True
    return response


@bp.after_app_request
def name_the_user(response):
    """Every response to a logged-in user names them: the worker keeps one user's pages and drops them
    when another user's page arrives."""
    user = g.get("_login_user")  # only when the request loaded one: never a query for a static file
    if user is not None and user.is_authenticated:
        response.headers["X-User"] = str(user.id)
    return response
