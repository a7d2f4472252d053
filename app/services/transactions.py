"""Ending a change: commit it, or refuse it when someone else saved the same record first."""
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.services.errors import ValidationFailed


def commit_or_stale(message: str) -> None:
    """Commit; when a row version changed meanwhile (optimistic locking), roll back and refuse with
    `message`, which tells the user to reload: nobody's change is written over."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise ValidationFailed(None, message) from None
