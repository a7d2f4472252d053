"""What each role's home page shows; a unit head's is their to-do list of findings, directive tasks and
remediation items."""
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import ACTIVE_STATUSES, Finding, FindingStatus, Inspection, InspectionMember, InspectionStatus, Role, TeamRole, Unit, User
from app.services import finding_lists, findings, follow_ups, plan_documents, reports
from app.services.permissions import is_manager, units_visible_to, visible_findings, visible_follow_ups, \
    visible_inspections

UNDER_WAY = (InspectionStatus.SCHEDULED, InspectionStatus.IN_PROGRESS, InspectionStatus.REVIEWING)
SHOWN = 20  # inspections under way and findings to verify, each


@dataclass
class Home:
    """An administrator's counts of active units and users, or a leader's or inspector's work at hand
    and findings figures: open and overdue, over `counts_year` (the dashboard's kept totals) for a
    leader, over every year (None) for an inspector."""
    today: date
    is_manager: bool
    counts: dict[str, int] = field(default_factory=dict)
    current: list[Inspection] = field(default_factory=list)
    to_verify: list[Finding] = field(default_factory=list)
    finding_counts: dict[str, int] = field(default_factory=dict)
    counts_year: int | None = None


def home(user: User, today: date) -> Home:
    """The home page of an administrator, a leader or an inspector."""
    page = Home(today=today, is_manager=is_manager(user))
    if user.role == Role.ADMIN:
        page.counts = {
            "units": db.session.scalar(sa.select(sa.func.count()).select_from(Unit).where(Unit.active)),
            "users": db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.active)),
        }
        return page
    page.current = _under_way(user)
    page.to_verify = _to_verify(user)
    if user.role == Role.LEADER:
        page.counts_year = today.year
        page.finding_counts = reports.dashboard(user, today.year, today).totals
    else:
        page.finding_counts = findings.counts(visible_findings(user), today)
    return page


def _under_way(user: User) -> list[Inspection]:
    """The inspections the user may see that are planned or under way, soonest first."""
    return db.session.scalars(
        visible_inspections(user).where(Inspection.status.in_(UNDER_WAY))
        .options(joinedload(Inspection.unit)).order_by(Inspection.planned_start).limit(SHOWN)).all()


def _to_verify(user: User) -> list[Finding]:
    """Remediation waiting for the user's verdict: as the team's lead, or any as a leader."""
    submitted = visible_findings(user).where(Finding.status == FindingStatus.SUBMITTED)
    if user.role == Role.INSPECTOR:
        submitted = submitted.where(Finding.inspection_id.in_(sa.select(InspectionMember.inspection_id).where(
            InspectionMember.user_id == user.id, InspectionMember.role == TeamRole.LEAD)))
    return db.session.scalars(submitted.options(joinedload(Finding.unit))
                              .order_by(Finding.due_date, Finding.id).limit(SHOWN)).all()


def todo(user: User, today: date) -> dict:
    """The unit head's "to do": their units' open findings, then their tasks and remediation items,
    each overdue first, then by due date; and the year's issued inspection plans."""
    mine = visible_findings(user)
    active = mine.where(Finding.status.in_(ACTIVE_STATUSES))
    return {
        "today": today,
        "findings": db.session.scalars(finding_lists.with_list_columns(finding_lists.ordered(active, today))
                                       .limit(200)).all(),
        "counts": findings.counts(mine, today),
        "items": follow_ups.active_items(user, today),
        "item_counts": follow_ups.counts(visible_follow_ups(user), today),
        "units": db.session.scalars(units_visible_to(user).order_by(Unit.code)).all(),
        "plans": plan_documents.plans_of(user, today.year),
    }
