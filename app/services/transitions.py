"""Moving an inspection from one state to the next, as the team and leaders ask for it.

Most moves are the inspections service's alone. Sending for review reaches across services, so it
is put together here, above them: the checklist must be done (answers), each failed item proposes a
finding for the team to confirm or dismiss (findings), and the final answers' scores are kept for
the reports.
"""
from flask_babel import gettext as _

from app.extensions import db
from app.models import Inspection, User
from app.models.report import refresh_scores
from app.services import inspections
from app.services.answers import answers_by_item, progress
from app.services.errors import ValidationFailed
from app.services.findings import propose_findings


def change_state(actor: User, inspection: Inspection, name: str, reason: str = "") -> Inspection:
    transition = inspections.check_transition(actor, inspection, name, reason)
    if name == "review":
        _require_checklist_done(inspection)
    inspections.apply_transition(actor, inspection, transition, reason)
    if name == "review":
        propose_findings(actor, inspection, commit=False)
        refresh_scores(db.session, [inspection.id])  # the answers are final: the reports may count them
    inspections.commit()
    return inspection


def _require_checklist_done(inspection: Inspection) -> None:
    done = progress(inspection, answers_by_item(inspection))
    if done.done < done.total:
        raise ValidationFailed(None, _("%(n)d items are not done yet (a result, and evidence where it is "
                                       "required).", n=done.total - done.done))
