"""Writing audit events. Callers add the event to the same transaction as the change."""
import enum
from datetime import date, datetime

from app.extensions import db
from app.models import AuditEvent, User


def _plain(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def snapshot(obj, fields) -> dict:
    """The current values of `fields` on `obj`, in JSON-friendly form."""
    return {field: _plain(getattr(obj, field)) for field in fields}


def diff(before: dict, after: dict) -> dict:
    """{field: [before, after]} for the fields that changed."""
    return {f: [before.get(f), after[f]] for f in after if before.get(f) != after[f]}


def _event(actor: User | None, action: str, entity: str, entity_id: int, summary: str, changes: dict | None) -> dict:
    return {"user_id": actor.id if actor else None, "action": action, "entity": entity, "entity_id": entity_id,
            "summary": summary[:255], "changes": changes or {}}


def record(actor: User | None, action: str, obj, summary: str, changes: dict | None = None) -> AuditEvent:
    """Add an audit event for `obj` (a model instance, flushed so it has an id)."""
    if obj.id is None:
        db.session.flush()
    event = AuditEvent(**_event(actor, action, obj.__tablename__, obj.id, summary, changes))
    db.session.add(event)
    return event


def insert(actor: User | None, action: str, entity: str, entity_id: int, summary: str,
           changes: dict | None = None) -> None:
    """Write an audit event at once, in the current transaction, for a change made without the ORM."""
    db.session.execute(_INSERT, _event(actor, action, entity, entity_id, summary, changes))


_INSERT = AuditEvent.__table__.insert()  # built once: insert() runs inside the autosave's write turn
