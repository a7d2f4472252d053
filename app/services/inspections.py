"""Inspections: their lists, creating and editing them with their team, and their states.

A state changes only through here: each transition checks the actor, writes the audit event and
refuses an illegal move with a message the user can act on. Sending for review also reads the
answers and proposes findings: app.services.transitions, above this module and those, does that.
Who may see and change an inspection is app.services.permissions'.
"""
from dataclasses import dataclass
from datetime import date
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models import (
    ChecklistTemplate,
    Inspection,
    InspectionMember,
    InspectionStatus,
    TeamRole,
    TemplateStatus,
    Unit,
    User,
)
from app.models.base import utcnow
from app.services import audit, search
from app.services.errors import NotPermitted, ValidationFailed
from app.services.permissions import TEAM_ROLES, can_edit_inspection, is_manager, visible_inspections
from app.services.transactions import commit_or_stale

FIELDS = ("title", "kind", "legal_basis", "decision_number", "decision_date", "issuing_body_id", "unit_id",
          "template_id", "planned_start", "planned_end", "place", "status")
STALE = _l("Someone else changed this inspection meanwhile. Reload the page to see their changes, then make "
           "yours again.")


def label(inspection: Inspection) -> str:
    return f"{inspection.decision_number or '#%d' % inspection.id} — {inspection.title}"


# --- lists ---------------------------------------------------------------------------------------

def filtered_inspections(user: User, year: int | None = None, status: str = "", unit_id: int | None = None,
                         q: str = "") -> sa.Select:
    """The inspections list's filters (year, status, unit, words without diacritics), newest first, on
    what the user may see: the list and its exports use the same."""
    query = visible_inspections(user)
    if year:
        query = query.where(Inspection.planned_start.between(date(year, 1, 1), date(year, 12, 31)))
    if status in {s.value for s in InspectionStatus}:
        query = query.where(Inspection.status == InspectionStatus(status))
    if unit_id:
        query = query.where(Inspection.unit_id == unit_id)
    if q and (words := search.matches("inspection", Inspection.id, q)) is not None:
        query = query.where(words)
    return query.order_by(Inspection.planned_start.desc(), Inspection.id.desc())


# Field work the team may take offline: the checklist opens (read only while scheduled) and fills in.
FIELD_WORK = (InspectionStatus.SCHEDULED, InspectionStatus.IN_PROGRESS)


def field_work(user: User) -> sa.Select:
    """The inspections whose checklists a user keeps on the tablet: on their team, scheduled or under way."""
    team = sa.select(InspectionMember.inspection_id).where(InspectionMember.user_id == user.id)
    return (sa.select(Inspection).where(Inspection.id.in_(team), Inspection.status.in_(FIELD_WORK))
            .order_by(Inspection.planned_start, Inspection.id))


# --- create and edit -----------------------------------------------------------------------------

@dataclass(frozen=True)
class TeamMember:
    user_id: int
    role: TeamRole


def _validate(inspection: Inspection, team: list[TeamMember]) -> None:
    problems = []
    if inspection.planned_end < inspection.planned_start:
        problems.append(("planned_end", _("The end date is before the start date.")))
    template = db.session.get(ChecklistTemplate, inspection.template_id)
    if template is None or template.status != TemplateStatus.PUBLISHED:
        problems.append(("template_id", _("Choose a published checklist version.")))
    unit = db.session.get(Unit, inspection.unit_id)
    if unit is None or not unit.active:
        problems.append(("unit_id", _("Choose an active unit.")))
    if inspection.decision_number:
        inspection.decision_number = " ".join(inspection.decision_number.split())
    if not inspection.decision_number and inspection.status != InspectionStatus.DRAFT:
        problems.append(("decision_number", _("A scheduled inspection keeps its decision number.")))
    if inspection.decision_number:
        if not (inspection.decision_date and inspection.issuing_body_id):
            problems.append(("decision_date", _("A decision number needs its date and issuing body.")))
        else:
            inspection.decision_year = inspection.decision_date.year
            with db.session.no_autoflush:
                clash = db.session.scalar(sa.select(Inspection.id).where(
                    Inspection.issuing_body_id == inspection.issuing_body_id,
                    Inspection.decision_year == inspection.decision_year,
                    Inspection.decision_number == inspection.decision_number,
                    Inspection.id != (inspection.id or 0)))
            if clash:
                problems.append(("decision_number", _(
                    "This issuing body already used decision number %(number)s in %(year)d.",
                    number=inspection.decision_number, year=inspection.decision_year)))
    else:
        inspection.decision_year = None
    leads = [m for m in team if m.role == TeamRole.LEAD]
    if len(leads) != 1:
        problems.append(("lead_id", _("The team needs exactly one team leader.")))
    if len({m.user_id for m in team}) != len(team):
        problems.append(("member_ids", _("A person can have only one role in the team.")))
    with db.session.no_autoflush:
        staff = set(db.session.scalars(sa.select(User.id).where(
            User.id.in_([m.user_id for m in team]), User.active, User.role.in_(TEAM_ROLES))))
    if any(m.user_id not in staff for m in team):
        problems.append(("member_ids", _("Team members must be active inspectors or leaders.")))
    if problems:
        raise ValidationFailed(*problems[0], problems=problems)


def _set_team(inspection: Inspection, team: list[TeamMember]) -> dict:
    """Make the team `team`: a person already in it keeps their row (only the role changes), so the
    one-row-per-person rule holds during the flush. Returns the audit change."""
    before = sorted(f"{m.user_id}:{m.role.value}" for m in inspection.members)
    rows = {m.user_id: m for m in inspection.members}
    members = []
    for wanted in team:
        member = rows.get(wanted.user_id) or InspectionMember(user_id=wanted.user_id)
        member.role = wanted.role
        members.append(member)
    inspection.members = members
    after = sorted(f"{m.user_id}:{m.role.value}" for m in team)
    return {"team": [before, after]} if before != after else {}


def create_inspection(actor: User, team: list[TeamMember], **fields) -> Inspection:
    if not is_manager(actor):
        raise NotPermitted(_("Only leaders open inspections."))
    inspection = Inspection(status=InspectionStatus.DRAFT, created_by_id=actor.id, **fields)
    _validate(inspection, team)
    team_change = _set_team(inspection, team)
    db.session.add(inspection)
    try:
        db.session.flush()  # the id names the inspection until it has a decision number
    except sa.exc.IntegrityError:  # the same decision number saved by someone else a moment ago
        db.session.rollback()
        raise ValidationFailed("decision_number", _("This decision number was just used by another "
                                                    "inspection.")) from None
    audit.record(actor, "create", inspection, label(inspection),
                 audit.diff({}, audit.snapshot(inspection, FIELDS)) | team_change)
    db.session.commit()
    return inspection


def update_inspection(actor: User, inspection: Inspection, team: list[TeamMember], row_version: int,
                      **fields) -> Inspection:
    """Change an inspection before its field work starts; `row_version` is the one the form was made from."""
    if not can_edit_inspection(actor, inspection):
        raise NotPermitted(_("This inspection can no longer be edited."))
    if row_version != inspection.row_version:
        raise ValidationFailed(None, _("Someone else changed this inspection meanwhile. Reload the page to see "
                                       "their changes, then make yours again."))
    before = audit.snapshot(inspection, FIELDS)
    for name, value in fields.items():
        setattr(inspection, name, value)
    try:
        _validate(inspection, team)
    except ValidationFailed:
        db.session.rollback()
        raise
    changes = audit.diff(before, audit.snapshot(inspection, FIELDS)) | _set_team(inspection, team)
    if changes:
        inspection.updated_at = utcnow()  # a team change alone also bumps the row version
        audit.record(actor, "update", inspection, label(inspection), changes)
    commit_or_stale(str(STALE))
    return inspection


def claim(inspection: Inspection) -> None:
    """Take the inspection's row version now, before work that must not run twice at once (a double
    tap): the second of two such requests is refused here (ValidationFailed, rolled back)."""
    inspection.updated_at = utcnow()
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise ValidationFailed(None, str(STALE)) from None


# --- states --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[InspectionStatus, ...]
    target: InspectionStatus


TRANSITIONS = {
    t.name: t for t in (
        Transition("schedule", _l("Schedule"), (InspectionStatus.DRAFT,), InspectionStatus.SCHEDULED),
        Transition("start", _l("Start field work"), (InspectionStatus.SCHEDULED,), InspectionStatus.IN_PROGRESS),
        Transition("review", _l("Send for review"), (InspectionStatus.IN_PROGRESS,), InspectionStatus.REVIEWING),
        Transition("cancel", _l("Cancel the inspection"), (InspectionStatus.DRAFT, InspectionStatus.SCHEDULED, InspectionStatus.IN_PROGRESS), InspectionStatus.CANCELLED),
    )
}


def _may(actor: User, transition: Transition, inspection: Inspection) -> bool:
    if transition.name == "start":  # the team starts its own field work; leaders may too
        return is_manager(actor) or inspection.role_of(actor) is not None
    if transition.name == "review":  # the team leader closes the field work
        return inspection.role_of(actor) == TeamRole.LEAD
    return is_manager(actor)


def available_transitions(actor: User, inspection: Inspection) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if inspection.status in t.sources and _may(actor, t, inspection)]


def check_transition(actor: User, inspection: Inspection, name: str, reason: str = "") -> Transition:
    """The transition `name` if `actor` may make it now; else ValidationFailed or NotPermitted saying why.
    (Sending for review also needs the checklist done: app.services.transitions checks that.)"""
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise ValidationFailed(None, _("Unknown action."))
    if not _may(actor, transition, inspection):
        raise NotPermitted(_("You may not do this for this inspection."))
    if inspection.status not in transition.sources:
        raise ValidationFailed(None, _("An inspection that is %(status)s cannot be moved this way.",
                                       status=inspection.status.label.lower()))
    if name == "schedule" and not (inspection.decision_number and inspection.decision_date):
        raise ValidationFailed(None, _("Enter the decision number and date before scheduling."))
    if name == "cancel" and not reason.strip():
        raise ValidationFailed("reason", _("Give the reason for cancelling."))
    return transition


def apply_transition(actor: User, inspection: Inspection, transition: Transition, reason: str = "") -> None:
    """Set the checked transition's status and write its audit event, in the caller's transaction."""
    before = audit.snapshot(inspection, ("status",))
    inspection.status = transition.target
    changes = audit.diff(before, audit.snapshot(inspection, ("status",)))
    if reason.strip():
        changes["reason"] = [None, reason.strip()]
    audit.record(actor, transition.name, inspection, label(inspection), changes)


def commit() -> None:
    commit_or_stale(str(STALE))


def move_state(actor: User | None, inspection: Inspection, target: InspectionStatus, action: str,
               changes: dict | None = None) -> None:
    """A move made by another service as part of its own work (the findings service concludes an
    inspection when it issues its findings, and closes it when the last one is closed): the status
    and its audit event join the caller's transaction, which the caller commits."""
    before = audit.snapshot(inspection, ("status",))
    inspection.status = target
    audit.record(actor, action, inspection, label(inspection),
                 audit.diff(before, audit.snapshot(inspection, ("status",))) | (changes or {}))
