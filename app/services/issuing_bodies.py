"""Issuing bodies: who issues decisions and notices, with their header, place and signer."""
import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import IssuingBody, User
from app.services import audit
from app.services.errors import ValidationFailed

FIELDS = ("code", "name", "abbreviation", "superior_name", "place_name", "signer_title", "signer_name",
          "minutes_number_pattern", "conclusion_number_pattern", "plan_number_pattern",
          "report_number_pattern", "active")


def save_issuing_body(actor: User, body: IssuingBody, **fields) -> IssuingBody:
    """Create (body without id) or update an issuing body, with its audit event."""
    before = audit.snapshot(body, FIELDS) if body.id else {}
    for name, value in fields.items():
        setattr(body, name, value.strip() if isinstance(value, str) else value)
    body.code = body.code.upper()
    with db.session.no_autoflush:
        clash = db.session.scalar(
            sa.select(IssuingBody.id).where(IssuingBody.code == body.code, IssuingBody.id != (body.id or 0))
        )
    if clash:
        db.session.rollback()
        raise ValidationFailed("code", _("Another issuing body already has this code."))
    action = "update" if body.id else "create"
    db.session.add(body)
    changes = audit.diff(before, audit.snapshot(body, FIELDS))
    if changes:
        audit.record(actor, action, body, f"{body.code} — {body.name}", changes)
    db.session.commit()
    return body
