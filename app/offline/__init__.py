"""Field work without signal: the service worker, the web app manifest, the offline page and the
session the outbox sends with. The worker and the outbox live in app/static/js (service-worker.js,
outbox.js, offline.js); the server's part is small because the tablet does the keeping."""
from flask import Blueprint

bp = Blueprint("offline", __name__)

from app.offline import routes  # noqa: E402,F401
