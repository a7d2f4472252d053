"""The year's inspection plan as a document: started from the Kế hoạch năm page, edited beside a live
preview, finalised, printed, downloaded as PDF or Word, signed, corrected and amended. Leaders and
administrators write plans; everyone else reads the issued ones (app.services.permissions.visible_plans)."""
from flask import Blueprint

from app.auth.access import require_roles
from app.models import Role

bp = Blueprint("plans", __name__)
bp.before_request(require_roles(*Role))

from app.plans import routes  # noqa: E402,F401
