"""The audit trail: who changed what, when, with the values before and after."""
from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, utcnow
from app.models.user import User


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(32))
    entity: Mapped[str] = mapped_column(sa.String(32))
    entity_id: Mapped[Optional[int]]
    summary: Mapped[str] = mapped_column(sa.String(255))
    # {"field": [before, after], ...}
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    user: Mapped[Optional[User]] = relationship()

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))

    @property
    def entity_label(self) -> str:
        return str(ENTITY_LABELS.get(self.entity, self.entity))


ACTION_LABELS = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "delete": _l("Deleted"),
    "move": _l("Moved"),
    "activate": _l("Activated"),
    "deactivate": _l("Deactivated"),
    "succeed": _l("Succeeded by another unit"),
    "import": _l("Imported"),
    "login": _l("Logged in"),
    "logout": _l("Logged out"),
    "logout_everywhere": _l("Logged out on every device"),
    "lock": _l("Locked after failed logins"),  # events from before logins were throttled instead
    "reset_password": _l("Password reset"),
    "change_password": _l("Password changed"),
    "publish": _l("Published"),
    "archive": _l("Archived"),
    "new_version": _l("New version made"),
    "schedule": _l("Scheduled"),
    "start": _l("Field work started"),
    "cancel": _l("Cancelled"),
    "review": _l("Sent for review"),
    "answer": _l("Answered"),
    "attach": _l("Evidence attached"),
    "detach": _l("Evidence removed"),
    "propose": _l("Proposed from a failed item"),
    "dismiss": _l("Dismissed"),
    "restore": _l("Restored"),
    "issue": _l("Issued"),
    "conclude": _l("Concluded"),
    "close": _l("Closed"),
    "comment": _l("Commented"),
    "plan": _l("Remediation plan posted"),
    "progress": _l("Progress reported"),
    "submit": _l("Submitted for verification"),
    "accept": _l("Accepted"),
    "reject": _l("Sent back"),
    "extend": _l("Due date extended"),
    "reassign": _l("Responsible unit changed"),
    "finalise": _l("Finalised and numbered"),
    "sign": _l("Signed scan uploaded"),
    "sign_minutes": _l("Minutes signed"),
    "correct": _l("Correction started"),
}

ENTITY_LABELS = {
    "unit": _l("Unit"),
    "user": _l("User"),
    "issuing_body": _l("Issuing body"),
    "checklist_template": _l("Checklist template"),
    "checklist_section": _l("Checklist section"),
    "checklist_item": _l("Checklist item"),
    "inspection": _l("Inspection"),
    "answer": _l("Answer"),
    "attachment": _l("Evidence file"),
    "finding": _l("Finding"),
    "document": _l("Document"),
}
