import sqlalchemy as sa
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.htmx import render
from app.main import bp
from app.models import Inspection, InspectionStatus, Role, Unit, User
from app.services.inspections import visible_inspections
from app.services.units import units_visible_to


@bp.route("/")
@login_required
def index():
    """Each role's starting page: what it may see and do."""
    context = {}
    if current_user.role == Role.UNIT_HEAD:
        context["units"] = db.session.scalars(units_visible_to(current_user).order_by(Unit.code)).all()
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
    if current_user.role == Role.ADMIN:
        context["counts"] = {
            "units": db.session.scalar(sa.select(sa.func.count()).select_from(Unit).where(Unit.active)),
            "users": db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.active)),
        }
    return render("main/index.html", **context)
