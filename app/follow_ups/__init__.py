"""Follow-up items: directive tasks given to units and remediation items from the CCHC index; the
list with filters, an item's page with its timeline, and the unit's and the secretariat's forms.
What each user sees is filtered per route (app.services.permissions); another unit's item answers 404."""
from flask import Blueprint

from app.auth.access import require_roles
from app.models import Role

bp = Blueprint("follow_ups", __name__)
bp.before_request(require_roles(*Role))

from app.follow_ups import routes  # noqa: E402,F401
