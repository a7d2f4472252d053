from collections import defaultdict

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import db
from app.forms import apply_error, db_int, form_status
from app.htmx import render
from app.models import AuditEvent, Unit, UnitKind, User
from app.services import units as unit_service
from app.services.errors import ImportFailed, ValidationFailed
from app.units import bp
from app.units.forms import ImportForm, MoveForm, SuccessionForm, UnitForm


@bp.route("/")
def index():
    """The unit tree; with a search text, the matching units as a flat list with their parents."""
    q = request.args.get("q", "").strip()
    show_inactive = request.args.get("inactive") == "1"
    query = sa.select(Unit).order_by(Unit.name)
    if not show_inactive:
        query = query.where(Unit.active)
    if q:
        pattern = f"%{q}%"
        matches = db.session.scalars(
            query.where(sa.or_(Unit.name.ilike(pattern), Unit.code.ilike(pattern)))
            .options(sa.orm.joinedload(Unit.parent))
            .limit(200)
        ).all()
        return render("units/index.html", "units/_tree.html", q=q, show_inactive=show_inactive, matches=matches)
    units = db.session.scalars(query).all()
    children = defaultdict(list)
    ids = {u.id for u in units}
    for unit in units:
        # A child whose parent is hidden (inactive) shows at the top level.
        children[unit.parent_id if unit.parent_id in ids else None].append(unit)
    return render("units/index.html", "units/_tree.html", q=q, show_inactive=show_inactive,
                  children=children, matches=None)


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = UnitForm(parent_id=request.args.get("parent", type=db_int))
    if form.validate_on_submit():
        try:
            unit = unit_service.create_unit(
                current_user, code=form.code.data, name=form.name.data, kind=UnitKind(form.kind.data),
                parent_id=form.parent_id.data, valid_from=form.valid_from.data, valid_to=form.valid_to.data,
            )
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            flash(_("Unit %(name)s created.", name=unit.name), "success")
            return redirect(url_for("units.detail", unit_id=unit.id), 303)
    return render("units/form.html", status=form_status(form), form=form, unit=None)


@bp.route("/<int:unit_id>")
def detail(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    users = db.session.scalars(sa.select(User).where(User.unit_id == unit.id).order_by(User.full_name)).all()
    predecessors = db.session.scalars(sa.select(Unit).where(Unit.successor_id == unit.id).order_by(Unit.name)).all()
    history = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.entity == "unit", AuditEvent.entity_id == unit.id)
        .order_by(AuditEvent.at.desc())
        .limit(20)
    ).all()
    return render(
        "units/detail.html", unit=unit, users=users, predecessors=predecessors, history=history,
        can_delete=not unit_service.has_history(unit),
    )


@bp.route("/<int:unit_id>/edit", methods=["GET", "POST"])
def edit(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    form = UnitForm(obj=unit, unit=unit)
    if form.validate_on_submit():
        try:
            unit_service.update_unit(
                current_user, unit, code=form.code.data, name=form.name.data, kind=UnitKind(form.kind.data),
                parent_id=form.parent_id.data, valid_from=form.valid_from.data, valid_to=form.valid_to.data,
            )
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("units.detail", unit_id=unit.id), 303)
    return render("units/form.html", status=form_status(form), form=form, unit=unit)


@bp.route("/<int:unit_id>/move", methods=["GET", "POST"])
def move(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    form = MoveForm(unit=unit, parent_id=unit.parent_id)
    if form.validate_on_submit():
        parent = db.session.get(Unit, form.parent_id.data) if form.parent_id.data else None
        try:
            unit_service.move_unit(current_user, unit, parent)
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            flash(_("Unit moved."), "success")
            return redirect(url_for("units.detail", unit_id=unit.id), 303)
    return render("units/move.html", status=form_status(form), form=form, unit=unit)


@bp.route("/<int:unit_id>/succession", methods=["GET", "POST"])
def succession(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    form = SuccessionForm(unit=unit)
    if form.validate_on_submit():
        try:
            unit_service.succeed_unit(
                current_user, unit, db.session.get(Unit, form.successor_id.data), form.on_date.data
            )
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            flash(_("Succession recorded: %(unit)s is now inactive.", unit=unit.name), "success")
            return redirect(url_for("units.detail", unit_id=unit.id), 303)
    return render("units/succession.html", status=form_status(form), form=form, unit=unit)


@bp.route("/<int:unit_id>/deactivate", methods=["POST"])
def deactivate(unit_id: int):
    return _set_active(unit_id, False)


@bp.route("/<int:unit_id>/activate", methods=["POST"])
def activate(unit_id: int):
    return _set_active(unit_id, True)


def _set_active(unit_id: int, active: bool):
    unit = db.get_or_404(Unit, unit_id)
    try:
        unit_service.set_unit_active(current_user, unit, active)
    except ValidationFailed as error:
        flash(error.message, "error")
    else:
        flash(_("Unit activated.") if active else _("Unit deactivated."), "success")
    return redirect(url_for("units.detail", unit_id=unit.id), 303)


@bp.route("/<int:unit_id>/delete", methods=["POST"])
def delete(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    try:
        unit_service.delete_unit(current_user, unit)
    except ValidationFailed as error:
        flash(error.message, "error")
        return redirect(url_for("units.detail", unit_id=unit.id), 303)
    flash(_("Unit deleted."), "success")
    return redirect(url_for("units.index"), 303)


@bp.route("/import", methods=["GET", "POST"])
def import_file():
    form = ImportForm()
    errors = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = unit_service.read_unit_file(upload.filename, upload.read())
            created, updated = unit_service.import_units(current_user, rows)
        except ImportFailed as failure:
            errors = failure.errors
        else:
            flash(_("Import done: %(created)d units created, %(updated)d updated.", created=created,
                    updated=updated), "success")
            return redirect(url_for("units.index"), 303)
    status = 422 if errors else form_status(form)
    return render("units/import.html", status=status, form=form, errors=errors, kinds=list(UnitKind))
