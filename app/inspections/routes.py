from collections import defaultdict
from datetime import date

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.forms import apply_error, form_status
from app.htmx import render
from app.inspections import bp, managers_only
from app.inspections.forms import InspectionForm, TransitionForm
from app.models import Inspection, InspectionMember, InspectionStatus, Unit
from app.services import inspections as service
from app.services.errors import NotPermitted, ValidationFailed

DONE = (InspectionStatus.REVIEWING, InspectionStatus.MINUTES_SIGNED, InspectionStatus.CONCLUDED,
        InspectionStatus.CLOSED)


def get_inspection(inspection_id: int) -> Inspection:
    """An inspection the user may see, team loaded; any other answers 404, never its data."""
    inspection = db.session.scalar(
        service.visible_inspections(current_user)
        .where(Inspection.id == inspection_id)
        .options(selectinload(Inspection.members).joinedload(InspectionMember.user))
    )
    if inspection is None:
        abort(404)
    return inspection


@bp.route("/")
def index():
    """Filter by year, status, unit and text; paginated in SQL. Shareable: the filters are the URL."""
    year = request.args.get("year", type=int)
    status = request.args.get("status", "")
    unit_id = request.args.get("unit", type=int)
    q = request.args.get("q", "").strip()
    query = service.visible_inspections(current_user).options(joinedload(Inspection.unit))
    if year:
        query = query.where(Inspection.planned_start.between(date(year, 1, 1), date(year, 12, 31)))
    if status in {s.value for s in InspectionStatus}:
        query = query.where(Inspection.status == InspectionStatus(status))
    if unit_id:
        query = query.where(Inspection.unit_id == unit_id)
    if q:
        pattern = f"%{q}%"
        query = query.where(sa.or_(Inspection.title.ilike(pattern), Inspection.decision_number.ilike(pattern)))
    page = db.paginate(query.order_by(Inspection.planned_start.desc(), Inspection.id.desc()),
                       per_page=current_app.config["PER_PAGE"])
    units = db.session.execute(sa.select(Unit.id, Unit.name).where(
        Unit.id.in_(service.visible_inspections(current_user).with_only_columns(Inspection.unit_id))
    ).order_by(Unit.name)).all()
    return render("inspections/index.html", "inspections/_results.html", page=page, year=year, status_filter=status,
                  unit_id=unit_id, q=q, statuses=list(InspectionStatus), units=units,
                  can_create=service.is_manager(current_user))


@bp.route("/new", methods=["GET", "POST"])
@managers_only
def new():
    form = InspectionForm()
    if form.validate_on_submit():
        try:
            inspection = service.create_inspection(current_user, form.team(), **form.values())
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            flash(_("Inspection created as a draft."), "success")
            return redirect(url_for("inspections.detail", inspection_id=inspection.id), 303)
    return render("inspections/form.html", status=form_status(form), form=form, inspection=None)


@bp.route("/<int:inspection_id>")
def detail(inspection_id: int):
    inspection = get_inspection(inspection_id)
    return render("inspections/detail.html", inspection=inspection,
                  can_edit=service.can_edit(current_user, inspection),
                  transitions=service.available_transitions(current_user, inspection),
                  transition_form=TransitionForm(formdata=None))


@bp.route("/<int:inspection_id>/edit", methods=["GET", "POST"])
def edit(inspection_id: int):
    inspection = get_inspection(inspection_id)
    if not service.can_edit(current_user, inspection):
        abort(403)
    form = InspectionForm(obj=inspection, inspection=inspection)
    if form.validate_on_submit():
        try:
            service.update_inspection(current_user, inspection, form.team(), int(form.row_version.data or 0),
                                      **form.values())
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("inspections.detail", inspection_id=inspection.id), 303)
    return render("inspections/form.html", status=form_status(form), form=form, inspection=inspection)


@bp.route("/<int:inspection_id>/<any(schedule, start, cancel):action>", methods=["POST"])
def transition(inspection_id: int, action: str):
    inspection = get_inspection(inspection_id)
    form = TransitionForm()
    try:
        service.change_state(current_user, inspection, action, form.reason.data or "")
    except NotPermitted:
        abort(403)
    except ValidationFailed as error:
        flash(error.message, "error")
    else:
        flash(_("The inspection is now: %(status)s.", status=inspection.status.label), "success")
    return redirect(url_for("inspections.detail", inspection_id=inspection.id), 303)


@bp.route("/plan")
def plan():
    """The annual plan: the year's inspections by month of their planned start, and which are done."""
    year = request.args.get("year", type=int) or date.today().year
    inspections = db.session.scalars(
        service.visible_inspections(current_user)
        .where(Inspection.planned_start.between(date(year, 1, 1), date(year, 12, 31)))
        .options(joinedload(Inspection.unit))
        .order_by(Inspection.planned_start)
    ).all()
    months = defaultdict(list)
    for inspection in inspections:
        months[inspection.planned_start.month].append(inspection)
    summary = {
        "planned": sum(1 for i in inspections if i.status != InspectionStatus.CANCELLED),
        "done": sum(1 for i in inspections if i.status in DONE),
    }
    return render("inspections/plan.html", year=year, months=months, summary=summary, done=DONE)
