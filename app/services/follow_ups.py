"""Follow-up items: directive tasks given to units and remediation items from the CCHC index.

An item's state changes only here: each function checks the actor's right, appends the timeline
event, writes the audit event and the notifications, and commits them together.

    proposed → open (confirmed with a due date) | dismissed (with a reason)      remediation items
    open → in_progress (plan or report) → submitted (completion report) → closed (done on time or late)
                                          submitted → reopened (not done / in progress, with a reason)
    open, in_progress, reopened → closed as not done (the evaluation at the end, with a reason)

An ongoing task has no end: its `due_date` is the last day of the period whose report is owed, and
each period's report moves it on by one period. Deadlines and reminders are app.services.deadlines'.
"""
from collections.abc import Iterable
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from app import clock, formatting
from app.extensions import db
from app.models import (
    DONE_OUTCOMES,
    FOLLOW_UP_ACTIVE,
    Answer,
    Attachment,
    ChecklistItem,
    ChecklistSection,
    FollowUpEvent,
    FollowUpEventKind,
    FollowUpItem,
    FollowUpKind,
    FollowUpStatus,
    Inspection,
    Outcome,
    Role,
    TargetKind,
    Unit,
    User,
)
from app.models.base import utcnow
from app.models.inspection import FIELD_WORK_DONE
from app.services import audit, deadlines, evidence, notifications, periods
from app.services.deadlines import unit_heads
from app.services.errors import NotPermitted, ValidationFailed
from app.services.permissions import REPORTABLE, follow_up_rights, visible_follow_ups
from app.services.transactions import commit_or_stale

MAX_TEXT = 5000
RESPONSES = (FollowUpEventKind.PLAN, FollowUpEventKind.REPORT)


# --- helpers -------------------------------------------------------------------------------------

def label(item: FollowUpItem) -> str:
    return item.title


def link(item: FollowUpItem) -> notifications.Link:
    return notifications.Link("follow_ups.detail", {"follow_up_id": item.id})


def leaders() -> list[User]:
    """The active leaders, the secretariat that evaluates what units report."""
    return list(db.session.scalars(sa.select(User).where(User.role == Role.LEADER, User.active).order_by(User.id)))


def _clean(text: str | None) -> str:
    return (text or "").strip()


def _require(field: str, text: str | None, message: str) -> str:
    text = _clean(text)
    if not text:
        raise ValidationFailed(field, message)
    if len(text) > MAX_TEXT:
        raise ValidationFailed(field, _("At most %(n)d characters.", n=MAX_TEXT))
    return text


def _commit() -> None:
    commit_or_stale(_("Someone else changed this item meanwhile. Reload the page and try again."))


def event(actor: User | None, item: FollowUpItem, kind: FollowUpEventKind, text: str = "", **fields) -> FollowUpEvent:
    """Append a step to the item's timeline (in the caller's transaction)."""
    step = FollowUpEvent(kind=kind, text=text, author_id=actor.id if actor else None, at=utcnow(), **fields)
    item.events.append(step)
    return step


def _set_status(actor: User | None, item: FollowUpItem, status: FollowUpStatus, action: str,
                extra: dict | None = None) -> None:
    before = item.status
    item.status = status
    item.updated_at = utcnow()
    audit.record(actor, action, item, label(item), {"status": [before.value, status.value], **(extra or {})})


def _with_files(actor: User, step: FollowUpEvent, files: list[tuple[str, bytes]]) -> None:
    prepared = evidence.prepare_files(list(files)) if files else []
    db.session.flush()
    evidence.attach_files(actor, prepared, follow_up_event_id=step.id)


def _refuse_closed(item: FollowUpItem) -> None:
    """A report on an item that is no longer open says so in words (not a bare 403)."""
    if item.status not in REPORTABLE:
        raise ValidationFailed(None, _("This item is %(status)s: it takes no more reports.",
                                       status=item.status.label.lower()))


def figures(item: FollowUpItem, numerator: float | None, denominator: float | None) -> dict:
    """The figures a report gives toward its task's target, checked: a share needs both parts (the
    part at most the whole), a rank is a whole number from 1 (of so many, if given)."""
    if numerator is None and denominator is None:
        return {}
    target = item.task.target_kind if item.task is not None else None
    if target is None:
        raise ValidationFailed("numerator", _("This task has no measurable target: write the figures in the text."))
    if target == TargetKind.VALUE:
        if numerator is None or denominator is None:
            raise ValidationFailed("denominator", _("Give both the numerator and the denominator."))
        if denominator <= 0 or numerator < 0 or numerator > denominator:
            raise ValidationFailed("numerator", _("The numerator must be between 0 and the denominator, which must "
                                                  "be above 0."))
    elif numerator is None or numerator < 1 or numerator != int(numerator) or (
            denominator is not None and (denominator < numerator or denominator != int(denominator))):
        raise ValidationFailed("numerator", _("A rank is a whole number from 1, at most the number ranked."))
    return {"numerator": numerator, "denominator": denominator}


# --- the unit's side -----------------------------------------------------------------------------

def respond(actor: User, item: FollowUpItem, kind: FollowUpEventKind, text: str, files=(),
            numerator: float | None = None, denominator: float | None = None) -> FollowUpEvent:
    """A plan or a progress report with its figures and files. The report of an ongoing task is the
    report of the oldest period owed, which moves its due date to the next period's end; a later
    report in the same period adds to that period."""
    if kind not in RESPONSES:
        raise ValidationFailed("kind", _("Choose a plan or a progress report."))
    _refuse_closed(item)
    if not follow_up_rights(actor, item).report:
        raise NotPermitted(_("Only the unit reports on its items."))
    text = _require("text", text, _("Write what was done or planned."))
    values = figures(item, numerator, denominator) if kind == FollowUpEventKind.REPORT else {}
    period = {}
    if kind == FollowUpEventKind.REPORT and item.task is not None and item.task.is_ongoing:
        # The oldest period owed; once it is reported, a further report adds to the current period.
        owed = min(item.due_date, periods.period_end(clock.local_today(), item.task.cycle))
        period = {"period_end": owed}
        if owed == item.due_date:
            item.due_date = periods.next_period_end(owed, item.task.cycle)
    step = event(actor, item, kind, text, **values, **period)
    _with_files(actor, step, files)
    if item.status != FollowUpStatus.IN_PROGRESS:
        _set_status(actor, item, FollowUpStatus.IN_PROGRESS, kind.value)
    else:
        item.updated_at = utcnow()
        audit.record(actor, kind.value, item, label(item), {"event": [None, step.id]})
    _commit()
    return step


def complete(actor: User, item: FollowUpItem, text: str, files=(), numerator: float | None = None,
             denominator: float | None = None) -> FollowUpEvent:
    """The completion report: the unit says the item is done and sends it for evaluation."""
    _refuse_closed(item)
    if not follow_up_rights(actor, item).complete:
        raise NotPermitted(_("Only the unit reports the completion of an item with a due date."))
    text = _require("text", text, _("Write what was done."))
    step = event(actor, item, FollowUpEventKind.COMPLETION, text, **figures(item, numerator, denominator))
    _with_files(actor, step, files)
    _set_status(actor, item, FollowUpStatus.SUBMITTED, "complete")
    notifications.notify(leaders(), _("%(unit)s reported the completion of: %(title)s", unit=item.unit.name,
                                      title=label(item)), link(item))
    _commit()
    return step


def comment(actor: User, item: FollowUpItem, text: str, files=()) -> FollowUpEvent:
    if not follow_up_rights(actor, item).comment:
        raise NotPermitted(_("You may not comment on this item."))
    step = event(actor, item, FollowUpEventKind.COMMENT, _require("text", text, _("Write the comment.")))
    _with_files(actor, step, files)
    item.updated_at = utcnow()
    _commit()
    return step


# --- the secretariat's side ----------------------------------------------------------------------

def completed_on(item: FollowUpItem) -> date | None:
    """The day (in Vietnam) of the item's last completion report."""
    last = db.session.scalar(sa.select(sa.func.max(FollowUpEvent.at)).where(
        FollowUpEvent.item_id == item.id, FollowUpEvent.kind == FollowUpEventKind.COMPLETION))
    return clock.local_day(last) if last else None


def proposed_outcome(item: FollowUpItem) -> Outcome:
    """What the evaluation proposes: done on time or late for a completion report, else in progress."""
    if item.status != FollowUpStatus.SUBMITTED:
        return Outcome.IN_PROGRESS
    done = completed_on(item)
    return Outcome.ON_TIME if item.due_date is None or done is None or done <= item.due_date else Outcome.LATE


def _check_outcome(item: FollowUpItem, outcome: Outcome, reason: str, close: bool) -> None:
    if outcome != Outcome.ON_TIME and not reason:
        raise ValidationFailed("reason", _("Give the reason for this evaluation."))
    if outcome in DONE_OUTCOMES and close and item.status != FollowUpStatus.SUBMITTED:
        raise ValidationFailed("outcome", _("The unit has not reported the completion yet."))
    if outcome == Outcome.ON_TIME and item.status == FollowUpStatus.SUBMITTED and proposed_outcome(item) == Outcome.LATE:
        raise ValidationFailed("outcome", _("The completion was reported after the due date (%(date)s): it was done "
                                            "late.", date=formatting.day_text(item.due_date)))
    if close and outcome == Outcome.IN_PROGRESS:
        raise ValidationFailed("outcome", _("An item in progress cannot be closed."))


def evaluate(actor: User, item: FollowUpItem, outcome: Outcome | None, reason: str = "",
             close: bool = False) -> FollowUpEvent:
    """The secretariat's evaluation. Of a completion report: done (on time or late) closes the item,
    anything else sends it back. Otherwise the evaluation of the period (an ongoing task's last
    reported one), or, with `close`, the end: not done."""
    if not follow_up_rights(actor, item).evaluate:
        raise NotPermitted(_("Only a leader evaluates an open item."))
    if outcome is None:
        raise ValidationFailed("outcome", _("Choose the evaluation."))
    reason = _clean(reason)[:MAX_TEXT]
    submitted = item.status == FollowUpStatus.SUBMITTED
    close = submitted and outcome in DONE_OUTCOMES or close
    _check_outcome(item, outcome, reason, close)
    period_end = None
    if item.task is not None and item.task.is_ongoing:
        period_end = db.session.scalar(sa.select(sa.func.max(FollowUpEvent.period_end)).where(
            FollowUpEvent.item_id == item.id))
    step = event(actor, item, FollowUpEventKind.EVALUATION, reason, outcome=outcome, period_end=period_end)
    if close:
        item.outcome = outcome
        item.closed_at = utcnow()
        _set_status(actor, item, FollowUpStatus.CLOSED, "evaluate", {"outcome": [None, outcome.value]})
    elif submitted:
        _set_status(actor, item, FollowUpStatus.REOPENED, "evaluate", {"outcome": [None, outcome.value]})
    else:
        item.updated_at = utcnow()
        audit.record(actor, "evaluate", item, label(item), {"outcome": [None, outcome.value]})
    notifications.notify(unit_heads(item.unit_id), _("Evaluation of %(title)s: %(outcome)s", title=label(item),
                                                     outcome=outcome.label), link(item))
    _commit()
    return step


def confirm(actor: User, item: FollowUpItem, due_date: date | None) -> FollowUpEvent:
    """A proposed remediation item becomes the unit's, due on `due_date`."""
    if not follow_up_rights(actor, item).decide:
        raise NotPermitted(_("Only a leader confirms a proposed item."))
    if due_date is None:
        raise ValidationFailed("due_date", _("Choose the due date."))
    if due_date < clock.local_today():
        raise ValidationFailed("due_date", _("The due date cannot be in the past."))
    item.due_date = due_date
    step = event(actor, item, FollowUpEventKind.CONFIRMED, new_due_date=due_date)
    _set_status(actor, item, FollowUpStatus.OPEN, "confirm")
    notifications.notify(unit_heads(item.unit_id), _("A remediation item is now your unit's, due %(date)s: %(title)s",
                                                     date=formatting.day_text(due_date), title=label(item)), link(item))
    _commit()
    return step


def dismiss(actor: User, item: FollowUpItem, reason: str) -> FollowUpEvent:
    if not follow_up_rights(actor, item).decide:
        raise NotPermitted(_("Only a leader dismisses a proposed item."))
    step = event(actor, item, FollowUpEventKind.DISMISSED, _require("reason", reason, _("Give the reason.")))
    _set_status(actor, item, FollowUpStatus.DISMISSED, "dismiss")
    _commit()
    return step


# --- remediation proposals from the index ---------------------------------------------------------

def default_remediation_due(index_year: int) -> date:
    """A remediation plan answers one year's index within the next year (task 1.4 of directive 517)."""
    return date(index_year + 1, 12, 31)


def propose_remediation(actor: User | None, weak: Iterable) -> int:
    """A proposed item for each weak index score (unit, year, field, sub-criterion, score, maximum:
    app.services.cchc_index.weak_scores) that has none yet. Adds to the caller's transaction; returns
    how many were proposed."""
    count = 0
    for score in weak:
        exists = db.session.scalar(sa.select(FollowUpItem.id).where(
            FollowUpItem.kind == FollowUpKind.REMEDIATION, FollowUpItem.unit_id == score.unit_id,
            FollowUpItem.index_year == score.year, FollowUpItem.par_area == score.par_area,
            FollowUpItem.criterion_code == (score.criterion_code or "")))
        if exists:
            continue
        item = FollowUpItem(kind=FollowUpKind.REMEDIATION, unit_id=score.unit_id, status=FollowUpStatus.PROPOSED,
                            index_year=score.year, par_area=score.par_area, criterion_code=score.criterion_code or "",
                            criterion_label=score.criterion_label or "", score=score.score, maximum=score.maximum)
        db.session.add(item)
        db.session.flush()
        audit.record(actor, "propose", item, label(item))
        count += 1
    return count


def checklist_code(criterion_code: str) -> str | None:
    """The checklist item a sub-criterion of the index maps to: "III.2" → "PAR-III-02"."""
    numeral, _dot, number = (criterion_code or "").partition(".")
    return f"PAR-{numeral}-{int(number):02d}" if numeral and number.isdigit() else None


def latest_answers(item: FollowUpItem) -> tuple[Inspection | None, list[tuple[ChecklistItem, Answer]]]:
    """The unit's latest finished inspection that answered checklist items of the item's PAR field
    (only the sub-criterion's own item, e.g. PAR-III-02, when it was answered), with those answers."""
    if item.par_area is None:
        return None, []
    in_field = (sa.select(ChecklistItem.id).join(ChecklistSection, ChecklistSection.id == ChecklistItem.section_id)
                .where(ChecklistSection.par_area == item.par_area))
    code = checklist_code(item.criterion_code)
    for items in ([in_field.where(ChecklistItem.code == code)] if code else []) + [in_field]:
        inspection = db.session.scalar(
            sa.select(Inspection).where(Inspection.unit_id == item.unit_id, Inspection.status.in_(FIELD_WORK_DONE),
                                        Inspection.id.in_(sa.select(Answer.inspection_id)
                                                          .where(Answer.item_id.in_(items))))
            .order_by(Inspection.planned_start.desc(), Inspection.id.desc()).limit(1))
        if inspection is not None:
            answers = db.session.execute(
                sa.select(ChecklistItem, Answer).join(Answer, Answer.item_id == ChecklistItem.id)
                .where(Answer.inspection_id == inspection.id, Answer.item_id.in_(items))
                .order_by(ChecklistItem.section_id, ChecklistItem.position))
            return inspection, [(checklist_item, answer) for checklist_item, answer in answers]
    return None, []


# --- mergers and reminders -----------------------------------------------------------------------

def move_to_successor(actor: User | None, unit: Unit, successor: Unit) -> int:
    """A unit succeeded by another: its active and proposed items move to the successor, each with an
    event naming where it came from. Adds to the caller's transaction (app.services.units.succeed_unit)."""
    moving = db.session.scalars(sa.select(FollowUpItem).where(
        FollowUpItem.unit_id == unit.id, FollowUpItem.status.in_(FOLLOW_UP_ACTIVE + (FollowUpStatus.PROPOSED,)))).all()
    text = _("%(old)s was succeeded by %(new)s.", old=unit.name, new=successor.name)
    for item in moving:
        event(actor, item, FollowUpEventKind.MOVED, text, from_unit_id=unit.id, to_unit_id=successor.id)
        audit.record(actor, "move", item, label(item), {"unit_id": [unit.id, successor.id]})
        item.unit_id = successor.id
        item.updated_at = utcnow()
    given = [item for item in moving if item.status != FollowUpStatus.PROPOSED]
    if given:
        notifications.notify(unit_heads(successor.id), _("%(n)d open tasks and remediation items of %(old)s are now "
                                                         "your unit's.", n=len(given), old=unit.name),
                             notifications.Link("follow_ups.index", {"unit": successor.id}))
    return len(moving)


def remind_deadlines(today: date) -> int:
    """"Due in N days" and "overdue" notifications for tasks and remediation items, as for findings."""
    def send(item: FollowUpItem, overdue: bool) -> None:
        day = formatting.day_text(item.due_date)
        if item.task is not None and item.task.is_ongoing:
            period = periods.period_label(item.due_date, item.task.cycle)
            text = (_("The report for %(period)s on %(title)s is overdue since %(date)s.", period=period,
                      title=label(item), date=day) if overdue else
                    _("The report for %(period)s on %(title)s is due on %(date)s.", period=period, title=label(item),
                      date=day))
        else:
            text = (_("%(title)s is overdue since %(date)s.", title=label(item), date=day) if overdue
                    else _("%(title)s is due on %(date)s.", title=label(item), date=day))
        notifications.notify(unit_heads(item.unit_id), text, link(item))

    return deadlines.remind(FollowUpItem, FOLLOW_UP_ACTIVE, today, send)


# --- reading -------------------------------------------------------------------------------------

def overdue_clause(today: date):
    return deadlines.overdue_clause(FollowUpItem, FOLLOW_UP_ACTIVE, today)


def ordered(query: sa.Select, today: date) -> sa.Select:
    """Overdue first, then by due date (none last)."""
    overdue = sa.case((overdue_clause(today), 0), else_=1)
    return query.order_by(overdue, FollowUpItem.due_date.is_(None), FollowUpItem.due_date, FollowUpItem.id)


def with_list_columns(query: sa.Select) -> sa.Select:
    return query.options(joinedload(FollowUpItem.unit), joinedload(FollowUpItem.task))


def counts(query: sa.Select, today: date) -> dict[str, int]:
    """Open, overdue, due soon and closed among the items of `query`, in one query."""
    sub = query.with_only_columns(FollowUpItem.status, FollowUpItem.due_date).subquery()
    active = sub.c.status.in_([s.value for s in FOLLOW_UP_ACTIVE])
    days = current_app.config["FINDING_DUE_SOON_DAYS"]
    row = db.session.execute(sa.select(
        sa.func.count().filter(active),
        sa.func.count().filter(active, sub.c.due_date < today),
        sa.func.count().filter(active, sub.c.due_date.between(today, today + timedelta(days=days))),
        sa.func.count().filter(sub.c.status == FollowUpStatus.CLOSED.value),
        sa.func.count().filter(sub.c.status == FollowUpStatus.PROPOSED.value),
    )).one()
    return dict(zip(("open", "overdue", "due_soon", "closed", "proposed"), row))


def filtered_items(user: User, filters: dict, today: date) -> sa.Select:
    """The items the user may see narrowed by `filters` (app.follow_ups.forms.list_filters)."""
    query = visible_follow_ups(user)
    if filters["kind"] in {k.value for k in FollowUpKind}:
        query = query.where(FollowUpItem.kind == FollowUpKind(filters["kind"]))
    if filters["status"] == "active":
        query = query.where(FollowUpItem.status.in_(FOLLOW_UP_ACTIVE))
    elif filters["status"] in {s.value for s in FollowUpStatus}:
        query = query.where(FollowUpItem.status == FollowUpStatus(filters["status"]))
    if filters["unit"]:
        query = query.where(FollowUpItem.unit_id == filters["unit"])
    if filters["overdue"]:
        query = query.where(overdue_clause(today))
    if filters["year"]:
        query = query.where(FollowUpItem.index_year == filters["year"])
    return query


def active_items(user: User, today: date, unit_id: int | None = None, limit: int = 200) -> list[FollowUpItem]:
    """The active items the user may see (of one unit, if given), overdue first: the unit head's to-do
    list beside findings, and a unit's page."""
    query = visible_follow_ups(user).where(FollowUpItem.status.in_(FOLLOW_UP_ACTIVE))
    if unit_id is not None:
        query = query.where(FollowUpItem.unit_id == unit_id)
    return db.session.scalars(with_list_columns(ordered(query, today)).limit(limit)).all()


def timeline(item: FollowUpItem) -> list[FollowUpEvent]:
    return list(db.session.scalars(
        sa.select(FollowUpEvent).where(FollowUpEvent.item_id == item.id)
        .options(joinedload(FollowUpEvent.author), joinedload(FollowUpEvent.from_unit),
                 joinedload(FollowUpEvent.to_unit), selectinload(FollowUpEvent.attachments))
        .order_by(FollowUpEvent.id)))


def belongs_to(attachment: Attachment, item: FollowUpItem) -> bool:
    return db.session.scalar(sa.select(FollowUpEvent.id).where(
        FollowUpEvent.id == attachment.follow_up_event_id, FollowUpEvent.item_id == item.id)) is not None


def task_counts_by_unit(unit_ids: Iterable[int] | None, today: date) -> dict[int, dict[str, int]]:
    """Per unit (of `unit_ids`, or all when None): directive tasks given, done and overdue (one grouped query)."""
    query = (
        sa.select(FollowUpItem.unit_id, sa.func.count(),
                  sa.func.count().filter(FollowUpItem.outcome.in_(DONE_OUTCOMES)),
                  sa.func.count().filter(overdue_clause(today)))
        .where(FollowUpItem.kind == FollowUpKind.TASK, FollowUpItem.status != FollowUpStatus.DISMISSED)
        .group_by(FollowUpItem.unit_id))
    if unit_ids is not None:
        query = query.where(FollowUpItem.unit_id.in_(list(unit_ids)))
    rows = db.session.execute(query)
    return {unit_id: {"assigned": given, "done": done, "overdue": overdue} for unit_id, given, done, overdue in rows}
