import sqlalchemy as sa
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from app import clock
from app.extensions import db
from app.htmx import render
from app.main import bp
from app.models import Finding, FindingStatus, Inspection, InspectionMember, InspectionStatus, Role, TeamRole, Unit, User
from app.services import finding_lists, findings, permissions
from app.services.permissions import visible_findings, visible_inspections


@bp.route("/")
@login_required
def index():
    """Each role's starting page: what it may see and do."""
    context = {}
    if current_user.role == Role.UNIT_HEAD:
        # A unit head lands on "Việc cần làm": their units' open findings.
        return render("findings/todo.html", **finding_lists.todo(current_user, clock.local_today()))
    if current_user.role in (Role.LEADER, Role.INSPECTOR):
        # Work at hand: the inspections this user may see that are planned or under way.
        context["current"] = db.session.scalars(
            visible_inspections(current_user)
            .where(Inspection.status.in_((InspectionStatus.SCHEDULED, InspectionStatus.IN_PROGRESS,
                                          InspectionStatus.REVIEWING)))
            .options(joinedload(Inspection.unit))
            .order_by(Inspection.planned_start)
            .limit(20)
        ).all()
        # Remediation waiting for this user's verdict: as team leader, or any as a leader.
        submitted = visible_findings(current_user).where(Finding.status == FindingStatus.SUBMITTED)
        if current_user.role == Role.INSPECTOR:
            submitted = submitted.where(Finding.inspection_id.in_(sa.select(InspectionMember.inspection_id).where(
                InspectionMember.user_id == current_user.id, InspectionMember.role == TeamRole.LEAD)))
        context["today"] = clock.local_today()
        context["to_verify"] = db.session.scalars(submitted.options(joinedload(Finding.unit))
                                                  .order_by(Finding.due_date, Finding.id).limit(20)).all()
        context["finding_counts"] = findings.counts(visible_findings(current_user), context["today"])
    if current_user.role == Role.ADMIN:
        context["counts"] = {
            "units": db.session.scalar(sa.select(sa.func.count()).select_from(Unit).where(Unit.active)),
            "users": db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.active)),
        }
    return render("main/index.html", is_manager=permissions.is_manager(current_user), **context)
