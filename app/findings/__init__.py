"""Findings and their follow-up: lists, the finding page with its thread, an inspection's findings,
the unit head's to-do list and evidence files. What each user sees is filtered per route by
app.services.findings; another unit's finding answers 404."""
from flask import Blueprint

from app.auth.access import require_roles
from app.models import Role

bp = Blueprint("findings", __name__)
bp.before_request(require_roles(*Role))

from app.findings import routes  # noqa: E402,F401
