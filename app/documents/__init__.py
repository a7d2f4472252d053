"""Documents of an inspection: the minutes and the conclusion notice, their editor with a live
preview, the print view, the PDF and the Word file, the signed scan and corrections. What each user
may read is filtered per route by app.services.documents; another unit's document answers 404."""
from flask import Blueprint

from app.auth.access import require_roles
from app.models import Role

bp = Blueprint("documents", __name__)
bp.before_request(require_roles(*Role))

from app.documents import routes  # noqa: E402,F401
