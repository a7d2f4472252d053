"""Directives and their tasks. One check per route: the directive is loaded through what the user may
see (anything else answers 404); writing is for leaders and administrators (403 for the others).
Refused input comes back with 422 and the message beside its field, nothing typed lost."""
import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from app import clock
from app.auth.access import roles_required
from app.directives import bp
from app.directives.forms import DirectiveForm, TaskForm, body_choices, list_filters
from app.extensions import db
from app.files import posted_files, send_attachment
from app.forms import apply_error, paginate
from app.htmx import render
from app.models import Directive, DirectiveTask
from app.services import directives as service
from app.services import permissions, search
from app.services.errors import ValidationFailed
from app.services.permissions import MANAGERS


def get_directive(directive_id: int) -> Directive:
    directive = db.session.scalar(permissions.visible_directives(current_user).where(Directive.id == directive_id)
                                  .options(joinedload(Directive.issuing_body), selectinload(Directive.tasks),
                                           selectinload(Directive.files)))
    return directive or abort(404)


def get_task(directive: Directive, task_id: int) -> DirectiveTask:
    return next((t for t in directive.tasks if t.id == task_id), None) or abort(404)


@bp.route("/")
def index():
    """The directives the user may see, newest first, by year, issuing body and words of the number or subject."""
    filters = list_filters(request.args)
    query = permissions.visible_directives(current_user).options(joinedload(Directive.issuing_body))
    if filters["year"]:
        query = query.where(sa.extract("year", Directive.issued_on) == filters["year"])
    if filters["body"]:
        query = query.where(Directive.issuing_body_id == filters["body"])
    if filters["q"] and (words := search.matches("directive", Directive.id, filters["q"])) is not None:
        query = query.where(words)
    page = paginate(query.order_by(Directive.issued_on.desc(), Directive.id.desc()))
    return render("directives/index.html", "directives/_results.html", page=page, filters=filters,
                  bodies=body_choices(_("All issuing bodies")), can_write=permissions.is_manager(current_user))


def _save_directive(directive: Directive | None, form: DirectiveForm):
    if form.validate_on_submit():
        try:
            saved = service.save_directive(current_user, directive, posted_files(form.file.name), **form.values())
        except ValidationFailed as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            flash(_("Directive saved."), "success")
            return redirect(url_for("directives.detail", directive_id=saved.id), 303)
    status = 422 if form.is_submitted() else 200
    return render("directives/form.html", form=form, directive=directive, status=status)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new():
    return _save_directive(None, DirectiveForm())


@bp.route("/<int:directive_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit(directive_id: int):
    directive = get_directive(directive_id)
    return _save_directive(directive, DirectiveForm(obj=directive))


@bp.route("/<int:directive_id>")
def detail(directive_id: int):
    """The directive, its tasks as a tree and, under each, the units it is given to with their state."""
    directive = get_directive(directive_id)
    items = service.items_by_task(directive, permissions.visible_follow_ups(current_user))
    tree = service.task_tree(directive)
    if not permissions.is_staff(current_user):  # a unit head reads the tasks given to their unit
        tree = [(task, 0) for task, _depth in tree if task.id in items]
    return render("directives/detail.html", directive=directive, tree=tree, items=items,
                  today=clock.local_today(), can_write=permissions.is_manager(current_user))


@bp.route("/<int:directive_id>/files/<int:attachment_id>")
def file(directive_id: int, attachment_id: int):
    return send_attachment(service.file_of(get_directive(directive_id), attachment_id) or abort(404))


@bp.route("/<int:directive_id>/files/<int:attachment_id>/thumb")
def thumbnail(directive_id: int, attachment_id: int):
    return send_attachment(service.file_of(get_directive(directive_id), attachment_id) or abort(404), thumbnail=True)


def _save_task(directive: Directive, task: DirectiveTask | None, form: TaskForm):
    if form.validate_on_submit():
        assignment = service.Assignment(lead=form.lead.data or [], coordinating=form.coordinating.data or [])
        try:
            service.save_task(current_user, directive, task, assignment, **form.values())
        except ValidationFailed as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            flash(_("Task saved."), "success")
            return redirect(url_for("directives.detail", directive_id=directive.id), 303)
    status = 422 if form.is_submitted() else 200
    return render("directives/task_form.html", form=form, directive=directive, task=task, status=status)


@bp.route("/<int:directive_id>/tasks/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new_task(directive_id: int):
    directive = get_directive(directive_id)
    return _save_task(directive, None, TaskForm(directive=directive))


@bp.route("/<int:directive_id>/tasks/<int:task_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_task(directive_id: int, task_id: int):
    directive = get_directive(directive_id)
    task = get_task(directive, task_id)
    form = TaskForm(directive=directive, task=task, obj=task)
    if not form.is_submitted():
        assignment = service.assignment_of(task)
        form.lead.data, form.coordinating.data = assignment.lead, assignment.coordinating
    return _save_task(directive, task, form)
