"""Directives and their tasks: creating and editing them, and giving each task to its units.

Giving a task to a unit makes the unit's follow-up item (app.services.follow_ups); a unit that has
already reported on it stays. Only leaders and administrators write here.
"""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from app import clock, formatting
from app.extensions import db
from app.models import (
    FOLLOW_UP_ACTIVE,
    Directive,
    DirectiveTask,
    FollowUpEventKind,
    FollowUpItem,
    FollowUpKind,
    FollowUpStatus,
    IssuingBody,
    TargetKind,
    Unit,
    UnitRole,
    User,
)
from app.services import audit, evidence, follow_ups, notifications, periods
from app.services.deadlines import unit_heads
from app.services.errors import NotPermitted, ValidationFailed
from app.services.permissions import is_manager
from app.services.transactions import commit_or_stale

DIRECTIVE_FIELDS = ("number", "issued_on", "issuing_body_id", "subject", "signer_name", "signer_title")
TEXT_FIELDS = ("code", "title", "detail", "legal_basis", "target_measure")
TASK_FIELDS = ("parent_id", "code", "title", "detail", "legal_basis", "due_date", "cycle", "par_area", "target_kind",
               "target_measure", "target_value", "baseline_value", "baseline_of", "baseline_year")


def _require_manager(actor: User) -> None:
    if not is_manager(actor):
        raise NotPermitted(_("Only leaders and administrators manage directives."))


# --- directives ----------------------------------------------------------------------------------

def _check_directive(directive: Directive) -> None:
    if not (directive.number or "").strip():
        raise ValidationFailed("number", _("Give the number and symbol, e.g. 517/BCĐ-NC."))
    if directive.issued_on is None:
        raise ValidationFailed("issued_on", _("Give the date of the directive."))
    if directive.issued_on > clock.local_today():
        raise ValidationFailed("issued_on", _("The date cannot be in the future."))
    if db.session.get(IssuingBody, directive.issuing_body_id or 0) is None:
        raise ValidationFailed("issuing_body_id", _("Choose the issuing body."))
    if not (directive.subject or "").strip():
        raise ValidationFailed("subject", _("Give the subject."))
    tasks_before = db.session.scalar(sa.select(sa.func.min(DirectiveTask.due_date)).where(
        DirectiveTask.directive_id == directive.id)) if directive.id else None
    if tasks_before is not None and tasks_before < directive.issued_on:
        raise ValidationFailed("issued_on", _("A task of this directive is due on %(date)s, before this date.",
                                              date=formatting.day_text(tasks_before)))


def save_directive(actor: User, directive: Directive | None, files=(), **fields) -> Directive:
    """Create (directive None) or update a directive, with its signed file(s); commits."""
    _require_manager(actor)
    creating = directive is None
    directive = directive or Directive(created_by_id=actor.id)
    before = audit.snapshot(directive, DIRECTIVE_FIELDS) if not creating else {}
    for name in DIRECTIVE_FIELDS:
        value = fields[name]
        setattr(directive, name, value.strip() if isinstance(value, str) else value)
    with db.session.no_autoflush:
        _check_directive(directive)
    prepared = evidence.prepare_files(list(files)) if files else []
    db.session.add(directive)
    db.session.flush()
    evidence.attach_files(actor, prepared, directive_id=directive.id)
    after = audit.snapshot(directive, DIRECTIVE_FIELDS)
    audit.record(actor, "create" if creating else "update", directive, directive.number,
                 audit.diff(before, after) if not creating else {k: [None, v] for k, v in after.items()})
    db.session.commit()
    return directive


def file_of(directive: Directive, attachment_id: int):
    return next((f for f in directive.files if f.id == attachment_id), None)


# --- tasks ---------------------------------------------------------------------------------------

@dataclass
class Assignment:
    """The units a task is given to, by role."""
    lead: list[int]
    coordinating: list[int]

    def roles(self) -> dict[int, UnitRole]:
        return {**{i: UnitRole.COORDINATING for i in self.coordinating}, **{i: UnitRole.LEAD for i in self.lead}}


def _check_dates(task: DirectiveTask, directive: Directive) -> None:
    if task.due_date is None and task.cycle is None:
        raise ValidationFailed("due_date", _("Give a due date, or a reporting cycle for an ongoing task."))
    if task.due_date is not None and task.cycle is not None:
        raise ValidationFailed("cycle", _("A task with a due date has no reporting cycle: leave one of the two "
                                          "empty."))
    if task.due_date is not None and task.due_date < directive.issued_on:
        raise ValidationFailed("due_date", _("The due date cannot be before the directive's date (%(date)s).",
                                             date=formatting.day_text(directive.issued_on)))


def _check_target(task: DirectiveTask) -> None:
    if task.target_kind is None:
        if task.target_value is not None or task.baseline_value is not None:
            raise ValidationFailed("target_kind", _("Choose the kind of target."))
        return
    if not (task.target_measure or "").strip():
        raise ValidationFailed("target_measure", _("Say what the target measures."))
    if task.target_value is None:
        raise ValidationFailed("target_value", _("Give the target."))
    if task.baseline_value is None or task.baseline_year is None:
        raise ValidationFailed("baseline_value", _("A target needs its baseline and the baseline's year."))
    if task.target_kind == TargetKind.VALUE and not (0 <= task.target_value <= 100 and 0 <= task.baseline_value <= 100):
        raise ValidationFailed("target_value", _("A share is a percentage between 0 and 100."))
    if task.target_kind == TargetKind.RANK and (task.baseline_of is None or not 1 <= task.baseline_value <= task.baseline_of):
        raise ValidationFailed("baseline_of", _("Give the baseline rank and among how many, e.g. 22 of 63."))


def _check_parent(task: DirectiveTask, directive: Directive) -> None:
    if task.parent_id is None:
        return
    parent = db.session.get(DirectiveTask, task.parent_id)
    if parent is None or parent.directive_id != directive.id:
        raise ValidationFailed("parent_id", _("Choose a task of this directive."))
    while parent is not None:
        if task.id is not None and parent.id == task.id:
            raise ValidationFailed("parent_id", _("A task cannot be nested under itself."))
        parent = parent.parent


def _check_units(assignment: Assignment) -> dict[int, Unit]:
    both = set(assignment.lead) & set(assignment.coordinating)
    if both:
        raise ValidationFailed("coordinating", _("A unit is either the lead or coordinating, not both."))
    ids = set(assignment.lead) | set(assignment.coordinating)
    units = {u.id: u for u in db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids), Unit.active))}
    if len(units) != len(ids):
        raise ValidationFailed("lead", _("Choose active units."))
    return units


def first_due(task: DirectiveTask, directive: Directive, today: date) -> date:
    """An item's first due date: the task's, or the end of the first reporting period not yet over."""
    if task.due_date is not None:
        return task.due_date
    return periods.period_end(max(today, directive.issued_on), task.cycle)


def _assign(actor: User, task: DirectiveTask, directive: Directive, units: dict[int, Unit],
            roles: dict[int, UnitRole]) -> None:
    items = {item.unit_id: item for item in db.session.scalars(sa.select(FollowUpItem).where(
        FollowUpItem.task_id == task.id, FollowUpItem.status != FollowUpStatus.DISMISSED))}
    for unit_id, item in items.items():
        if unit_id in roles:
            item.role = roles[unit_id]
        elif len(item.events) > 1:  # more than the assignment: the unit has worked on it
            raise ValidationFailed("lead", _("%(unit)s has already reported on this task: it stays assigned.",
                                             unit=item.unit.name))
        else:
            audit.record(actor, "unassign", item, follow_ups.label(item))
            db.session.delete(item)
    due = first_due(task, directive, clock.local_today())
    for unit_id in roles.keys() - items.keys():
        item = FollowUpItem(kind=FollowUpKind.TASK, task=task, unit_id=unit_id, role=roles[unit_id],
                            status=FollowUpStatus.OPEN, due_date=due)
        db.session.add(item)
        follow_ups.event(actor, item, FollowUpEventKind.ASSIGNED, role_text(roles[unit_id]), new_due_date=due)
        db.session.flush()
        audit.record(actor, "assign", item, task.label, {"unit_id": [None, unit_id]})
        notifications.notify(unit_heads(unit_id), _("Directive %(number)s gives your unit a task, due %(date)s: "
                                                    "%(title)s", number=directive.number,
                                                    date=formatting.day_text(due), title=task.label),
                             follow_ups.link(item))


def role_text(role: UnitRole) -> str:
    return _("Role: %(role)s", role=role.label)


def _reschedule(actor: User, task: DirectiveTask, before: date | None) -> None:
    """A task given a new due date moves its open items' due dates, each with an event."""
    if task.due_date == before or task.due_date is None:
        return
    for item in db.session.scalars(sa.select(FollowUpItem).where(
            FollowUpItem.task_id == task.id, FollowUpItem.status.in_(FOLLOW_UP_ACTIVE))):
        follow_ups.event(actor, item, FollowUpEventKind.RESCHEDULED, new_due_date=task.due_date)
        item.due_date = task.due_date


def save_task(actor: User, directive: Directive, task: DirectiveTask | None, assignment: Assignment,
              **fields) -> DirectiveTask:
    """Create (task None) or update a task of `directive` and give it to its units; commits."""
    _require_manager(actor)
    creating = task is None
    task = task or DirectiveTask(directive_id=directive.id, position=len(directive.tasks))
    before = audit.snapshot(task, TASK_FIELDS) if not creating else {}
    previous_due = task.due_date
    for name in TASK_FIELDS:
        value = fields.get(name)
        if name in TEXT_FIELDS:
            value = (value or "").strip()
        setattr(task, name, value)
    if not (task.title or "").strip():
        raise ValidationFailed("title", _("Give the task."))
    with db.session.no_autoflush:
        _check_dates(task, directive)
        _check_target(task)
        _check_parent(task, directive)
        units = _check_units(assignment)
    db.session.add(task)
    db.session.flush()
    _reschedule(actor, task, previous_due)
    _assign(actor, task, directive, units, assignment.roles())
    after = audit.snapshot(task, TASK_FIELDS)
    audit.record(actor, "create" if creating else "update", task, task.label,
                 audit.diff(before, after) if not creating else {k: [None, v] for k, v in after.items() if v})
    commit_or_stale(_("Someone else changed this task meanwhile. Reload the page and try again."))
    return task


def assignment_of(task: DirectiveTask) -> Assignment:
    items = db.session.scalars(sa.select(FollowUpItem).where(
        FollowUpItem.task_id == task.id, FollowUpItem.status != FollowUpStatus.DISMISSED)).all()
    return Assignment(lead=[i.unit_id for i in items if i.role == UnitRole.LEAD],
                      coordinating=[i.unit_id for i in items if i.role == UnitRole.COORDINATING])


def task_tree(directive: Directive) -> list[tuple[DirectiveTask, int]]:
    """The directive's tasks in reading order, each with its depth (0 for a top task)."""
    children: dict[int | None, list[DirectiveTask]] = {}
    for task in directive.tasks:
        children.setdefault(task.parent_id, []).append(task)
    ordered: list[tuple[DirectiveTask, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for task in children.get(parent_id, []):
            ordered.append((task, depth))
            walk(task.id, depth + 1)

    walk(None, 0)
    return ordered


def items_by_task(directive: Directive, visible: sa.Select) -> dict[int, list[FollowUpItem]]:
    """The follow-up items of the directive's tasks that `visible` lets the user see, by task."""
    items = db.session.scalars(visible.join(DirectiveTask, DirectiveTask.id == FollowUpItem.task_id)
                               .where(DirectiveTask.directive_id == directive.id)
                               .options(joinedload(FollowUpItem.unit))
                               .order_by(FollowUpItem.role, FollowUpItem.unit_id)).all()
    grouped: dict[int, list[FollowUpItem]] = {}
    for item in items:
        grouped.setdefault(item.task_id, []).append(item)
    return grouped
