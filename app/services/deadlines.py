"""Deadlines shared by findings and follow-up items: what is overdue, and the reminders sent once per
item, kind and due date (a new due date re-arms them).

Both models have `status`, `due_date`, `unit_id`, `due_soon_reminded_for` and `overdue_reminded_for`.
"""
from collections.abc import Callable, Iterable
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import Role, User


def overdue_clause(model, active: Iterable, today: date):
    """SQL: active and the due date has passed."""
    return sa.and_(model.status.in_(tuple(active)), model.due_date < today)


def unit_heads(unit_id: int) -> list[User]:
    """The active heads of a unit, who are told about its findings and tasks."""
    return list(db.session.scalars(sa.select(User).where(User.unit_id == unit_id, User.role == Role.UNIT_HEAD,
                                                         User.active).order_by(User.id)))


def remind(model, active: Iterable, today: date, send: Callable[[object, bool], None]) -> int:
    """Call `send(row, overdue)` for each active row of `model` due within FINDING_REMIND_DAYS (False)
    or overdue (True) that was not yet reminded for its due date, and mark it. Adds to the caller's
    transaction; returns how many rows were reminded."""
    active = tuple(active)
    soon = today + timedelta(days=current_app.config["FINDING_REMIND_DAYS"])
    due_soon = db.session.scalars(sa.select(model).where(
        model.status.in_(active), model.due_date.between(today, soon),
        sa.or_(model.due_soon_reminded_for.is_(None), model.due_soon_reminded_for != model.due_date))).all()
    for row in due_soon:
        send(row, False)
        row.due_soon_reminded_for = row.due_date
    overdue = db.session.scalars(sa.select(model).where(
        overdue_clause(model, active, today),
        sa.or_(model.overdue_reminded_for.is_(None), model.overdue_reminded_for != model.due_date))).all()
    for row in overdue:
        send(row, True)
        row.overdue_reminded_for = row.due_date
    return len(due_soon) + len(overdue)
