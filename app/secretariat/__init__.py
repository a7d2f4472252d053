"""The secretariat's documents, which belong to an issuing body and a period rather than to one
inspection: the year's inspection plan (started from the Kế hoạch năm page, amended when inspections
change) and the periodic report to the steering committee (beside the dashboard). Each is edited beside
a live preview, finalised, printed, downloaded as PDF or Word, signed and corrected. Leaders and
administrators write them; the staff read the issued ones, unit heads the issued plans
(app.services.permissions.visible_secretariat_documents)."""
from flask import Blueprint

from app.auth.access import require_roles
from app.models import Role

bp = Blueprint("secretariat", __name__)
bp.before_request(require_roles(*Role))

from app.secretariat import routes  # noqa: E402,F401
