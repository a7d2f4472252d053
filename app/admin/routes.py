from datetime import timedelta

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from app import clock
from app.admin import bp
from app.admin.forms import AuditFilterForm, IssuingBodyForm, NewUserForm, ResetPasswordForm, UserForm
from app.extensions import db
from app.forms import apply_error, form_status, paginate
from app.htmx import render
from app.models import AuditEvent, IssuingBody, Role, User
from app.models.audit import ACTION_LABELS, ENTITY_LABELS
from app.services import accounts
from app.services.errors import ValidationFailed
from app.services.issuing_bodies import FIELDS as ISSUING_BODY_FIELDS
from app.services.issuing_bodies import save_issuing_body

# --- users ---------------------------------------------------------------------------------------


@bp.route("/users")
def users():
    q = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    query = sa.select(User).order_by(User.active.desc(), User.username)
    if q:
        pattern = f"%{q}%"
        query = query.where(sa.or_(User.username.ilike(pattern), User.full_name.ilike(pattern)))
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    page = paginate(query.options(sa.orm.joinedload(User.unit)))
    return render("admin/users.html", "admin/_users_table.html", page=page, q=q, role=role, roles=list(Role))


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(current_user, form.password.data, **_user_fields(form))
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            flash(_("User %(name)s created.", name=user.username), "success")
            return redirect(url_for("admin.users"), 303)
    return render("admin/user_form.html", status=form_status(form), form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    if form.validate_on_submit():
        try:
            accounts.update_user(current_user, user, **_user_fields(form))
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("admin.users"), 303)
    return render("admin/user_form.html", status=form_status(form), form=form, user=user,
                  reset_form=ResetPasswordForm())


def _user_fields(form: UserForm) -> dict:
    return {
        "username": form.username.data,
        "full_name": form.full_name.data.strip(),
        "title": form.title.data.strip(),
        "email": form.email.data.strip(),
        "role": Role(form.role.data),
        "unit_id": form.unit_id.data,
        "locale": form.locale.data,
        "active": form.active.data,
    }


@bp.route("/users/<int:user_id>/password", methods=["POST"])
def reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    reset_form = ResetPasswordForm()
    if reset_form.validate_on_submit():
        try:
            accounts.reset_password(current_user, user, reset_form.password.data)
        except ValidationFailed as error:
            reset_form.password.errors = [error.message]
        else:
            flash(_("New password set for %(name)s. Their other sessions have ended.", name=user.username), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id), 303)
    return render("admin/user_form.html", status=422, form=UserForm(obj=user),
                  user=user, reset_form=reset_form)


# --- issuing bodies ------------------------------------------------------------------------------


@bp.route("/issuing-bodies")
def issuing_bodies():
    bodies = db.session.scalars(sa.select(IssuingBody).order_by(IssuingBody.active.desc(), IssuingBody.name)).all()
    return render("admin/issuing_bodies.html", bodies=bodies)


@bp.route("/issuing-bodies/new", methods=["GET", "POST"], defaults={"body_id": None})
@bp.route("/issuing-bodies/<int:body_id>", methods=["GET", "POST"])
def edit_issuing_body(body_id: int | None):
    body = db.get_or_404(IssuingBody, body_id) if body_id else IssuingBody()
    form = IssuingBodyForm(obj=body)
    if form.validate_on_submit():
        fields = {name: getattr(form, name).data for name in ISSUING_BODY_FIELDS}
        try:
            save_issuing_body(current_user, body, **fields)
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("admin.issuing_bodies"), 303)
    return render("admin/issuing_body_form.html", status=form_status(form), form=form, body=body)


# --- audit log -----------------------------------------------------------------------------------


@bp.route("/audit")
def audit():
    form = AuditFilterForm(request.args)
    form.entity.choices = [SelectChoice("", _("All records"))] + [
        SelectChoice(k, str(v)) for k, v in ENTITY_LABELS.items()
    ]
    form.action.choices = [SelectChoice("", _("All actions"))] + [
        SelectChoice(k, str(v)) for k, v in ACTION_LABELS.items()
    ]
    form.user_id.choices = [SelectChoice("", _("All users"))] + [
        SelectChoice(str(i), name)
        for i, name in db.session.execute(sa.select(User.id, User.username).order_by(User.username))
    ]
    query = sa.select(AuditEvent).options(sa.orm.joinedload(AuditEvent.user)).order_by(AuditEvent.id.desc())
    if form.validate():
        if form.entity.data:
            query = query.where(AuditEvent.entity == form.entity.data)
        if form.action.data:
            query = query.where(AuditEvent.action == form.action.data)
        if form.user_id.data:
            query = query.where(AuditEvent.user_id == form.user_id.data)
        # The dates the user typed are local days (Asia/Ho_Chi_Minh); events are stored in UTC.
        if form.date_from.data:
            query = query.where(AuditEvent.at >= clock.start_of_local_day(form.date_from.data))
        if form.date_to.data:
            query = query.where(AuditEvent.at < clock.start_of_local_day(form.date_to.data + timedelta(days=1)))
    page = paginate(query)
    return render("admin/audit.html", "admin/_audit_results.html", form=form, page=page, history=page.items)

