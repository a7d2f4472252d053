"""Field work without signal: the service worker, the web app manifest, the offline page and the
session the outbox sends with. The worker and the outbox live in app/static/js (service-worker.js,
outbox.js, offline.js); the server's part is small because the tablet does the keeping."""
from flask import Blueprint

from app.offline.messages import offline_messages

bp = Blueprint("offline", __name__)
bp.add_app_template_global(offline_messages)

from app.offline import routes  # noqa: E402,F401
