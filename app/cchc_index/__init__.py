"""The yearly CCHC index: the years imported with their heat map of units × fields, the Excel import
and its template, and the remediation items proposed from a year's weak scores. Staff read it; unit
heads see their own unit's index on its page."""
from flask import Blueprint

from app.auth.access import require_roles
from app.services.permissions import STAFF

bp = Blueprint("cchc_index", __name__)
bp.before_request(require_roles(*STAFF))

from app.cchc_index import routes  # noqa: E402,F401
