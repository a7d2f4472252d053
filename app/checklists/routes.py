import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.checklists import bp, managers_only
from app.checklists.forms import ImportForm, ItemForm, NewTemplateForm, SectionForm, TemplateForm, format_bands
from app.extensions import db
from app.forms import apply_error, db_int, form_status
from app.htmx import hx_retarget, is_htmx, render
from app.models import ChecklistItem, ChecklistSection, ChecklistTemplate, ParArea
from app.services import checklist_io, checklists, permissions
from app.services.checklist_io import encode_choices
from app.services.errors import ImportFailed, ValidationFailed


def get_template(template_id: int) -> ChecklistTemplate:
    """A template the user may read, sections and items loaded: inspectors see published versions only."""
    template = db.first_or_404(
        sa.select(ChecklistTemplate)
        .where(ChecklistTemplate.id == template_id)
        .options(selectinload(ChecklistTemplate.sections).selectinload(ChecklistSection.items))
    )
    if not permissions.can_view_template(current_user, template):
        abort(404)
    return template


def back_to(template: ChecklistTemplate, anchor: str | None = None):
    return redirect(url_for("checklists.detail", template_id=template.id, _anchor=anchor), 303)


def frozen(template: ChecklistTemplate):
    """The answer to an edit of a published or archived template, or None when it is a draft."""
    if template.is_editable:
        return None
    flash(_("A published or archived template never changes; make a new version."), "error")
    return back_to(template)


# --- list, create, import ------------------------------------------------------------------------

@bp.route("/")
def index():
    """Every family with its versions, newest first; inspectors see published versions only."""
    return render("checklists/index.html", families=checklists.families(current_user),
                  can_edit=permissions.is_manager(current_user))


@bp.route("/new", methods=["GET", "POST"])
@managers_only
def new():
    form = NewTemplateForm()
    if form.validate_on_submit():
        try:
            template = checklists.create_template(current_user, form.family.data, form.name.data,
                                                  form.scope.data, form.legal_basis.data)
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            flash(_("Draft checklist created. Add sections and items, then publish it."), "success")
            return back_to(template)
    return render("checklists/new.html", status=form_status(form), form=form)


@bp.route("/import", methods=["GET", "POST"])
@managers_only
def import_file():
    form = ImportForm()
    errors = []
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        try:
            if upload.filename.lower().endswith(".json"):
                imported = checklist_io.import_json(current_user, data)
            else:
                imported = [checklist_io.import_xlsx(current_user, data)]
        except ImportFailed as failure:
            errors = failure.errors
        else:
            flash(_("Imported %(n)d checklist(s) as drafts.", n=len(imported)), "success")
            return back_to(imported[0]) if len(imported) == 1 else redirect(url_for("checklists.index"), 303)
    return render("checklists/import.html", status=422 if errors else form_status(form), form=form, errors=errors)


# --- one template ---------------------------------------------------------------------------------

def detail_page(template, status=200, template_form=None, section_form=None):
    """The template page; for a draft and an editor, the editor with its forms."""
    editing = template.is_editable and permissions.is_manager(current_user)
    if editing:
        template_form = template_form or TemplateForm(obj=template, grading_bands=format_bands(template.grading_bands))
        section_form = section_form or SectionForm(formdata=None)
    return render("checklists/detail.html", status=status, template=template, editing=editing,
                  can_edit=permissions.is_manager(current_user), versions=checklists.versions(current_user, template),
                  template_form=template_form, section_form=section_form)


@bp.route("/<int:template_id>")
def detail(template_id: int):
    return detail_page(get_template(template_id))


@bp.route("/<int:template_id>/preview")
def preview(template_id: int):
    """The checklist as inspectors will see it on a tablet (answers disabled)."""
    return render("checklists/preview.html", template=get_template(template_id))


@bp.route("/<int:template_id>/edit", methods=["POST"])
@managers_only
def edit(template_id: int):
    template = get_template(template_id)
    form = TemplateForm()
    form.family.data = template.family  # the family code of a version never changes
    if form.validate_on_submit():
        try:
            checklists.update_template(current_user, template, name=form.name.data.strip(),
                                       scope=form.scope.data.strip(), legal_basis=form.legal_basis.data.strip(),
                                       grading_bands=form.grading_bands.parsed)
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            flash(_("Changes saved."), "success")
            return back_to(template)
    return detail_page(template, status=form_status(form), template_form=form)


@bp.route("/<int:template_id>/<any(publish, archive, 'new-version', delete):action>", methods=["POST"])
@managers_only
def lifecycle(template_id: int, action: str):
    template = get_template(template_id)
    try:
        if action == "publish":
            checklists.publish(current_user, template)
            flash(_("Published. This version can no longer change."), "success")
        elif action == "archive":
            checklists.archive(current_user, template)
            flash(_("Archived: it is no longer offered for new inspections."), "success")
        elif action == "new-version":
            template = checklists.new_version(current_user, template)
            flash(_("Version %(version)d is a new draft.", version=template.version), "success")
        else:
            checklists.delete_draft(current_user, template)
            flash(_("Draft deleted."), "success")
            return redirect(url_for("checklists.index"), 303)
    except ValidationFailed as error:
        flash(error.message, "error")
    return back_to(template)


@bp.route("/<int:template_id>/export.<any(json, xlsx):kind>")
def export(template_id: int, kind: str):
    template = get_template(template_id)
    filename = f"{template.family}-v{template.version}.{kind}"
    if kind == "json":
        body, mimetype = checklist_io.export_json([template]), "application/json"
    else:
        body = checklist_io.export_xlsx(template)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- sections -------------------------------------------------------------------------------------

def section_values(form: SectionForm) -> dict:
    return {"code": form.code.data.strip(), "title": form.title.data.strip(),
            "par_area": ParArea(form.par_area.data) if form.par_area.data else None}


def sections_changed(template_id: int, status=200, section_form=None):
    """After a change to the list of sections: the list (with the add-section form) for htmx,
    the template page otherwise."""
    template = get_template(template_id)
    if not is_htmx():
        return back_to(template) if status == 200 else detail_page(template, status, section_form=section_form)
    return render("checklists/detail.html", "checklists/_sections.html", status=status, template=template,
                  editing=template.is_editable, section_form=section_form or SectionForm(formdata=None))


def section_changed(section: ChecklistSection):
    """After a change inside one section: that section for htmx, the template page otherwise."""
    if is_htmx():
        return render("checklists/detail.html", "checklists/_section.html", section=section,
                      editing=section.template.is_editable, template=section.template)
    return back_to(section.template, f"section-{section.id}")


@bp.route("/<int:template_id>/sections", methods=["POST"])
@managers_only
def add_section(template_id: int):
    template = get_template(template_id)
    form = SectionForm()
    if form.validate_on_submit():
        try:
            section = checklists.add_section(current_user, template, **section_values(form))
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            if not is_htmx():
                return back_to(template, f"section-{section.id}")
    return sections_changed(template.id, form_status(form), section_form=form if form_status(form) == 422 else None)


@bp.route("/sections/<int:section_id>/edit", methods=["GET", "POST"])
@managers_only
def edit_section(section_id: int):
    section = db.get_or_404(ChecklistSection, section_id)
    if refusal := frozen(section.template):
        return refusal
    form = SectionForm(obj=section)
    if form.validate_on_submit():
        try:
            checklists.update_section(current_user, section, **section_values(form))
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            return section_changed(section)
    return render("checklists/section_form.html", "checklists/_section_form.html", status=form_status(form),
                  form=form, section=section, inline=is_htmx())


@bp.route("/sections/<int:section_id>/<any(up, down):direction>", methods=["POST"])
@managers_only
def move_section(section_id: int, direction: str):
    section = db.get_or_404(ChecklistSection, section_id)
    run(checklists.move_section, current_user, section, -1 if direction == "up" else 1)
    return sections_changed(section.template_id)


@bp.route("/sections/<int:section_id>/delete", methods=["POST"])
@managers_only
def delete_section(section_id: int):
    section = db.get_or_404(ChecklistSection, section_id)
    template_id = section.template_id
    run(checklists.delete_section, current_user, section)
    return sections_changed(template_id)


def run(action, *args) -> bool:
    """Call a service action; a refusal becomes an error message instead of a crash."""
    try:
        action(*args)
    except ValidationFailed as error:
        flash(error.message, "error")
        return False
    return True


# --- items ----------------------------------------------------------------------------------------

@bp.route("/sections/<int:section_id>/items/new", methods=["GET", "POST"])
@managers_only
def new_item(section_id: int):
    section = db.get_or_404(ChecklistSection, section_id)
    if refusal := frozen(section.template):
        return refusal
    form = ItemForm()
    if form.validate_on_submit():
        try:
            checklists.add_item(current_user, section, **form.values())
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            return section_changed(section)
    return item_form_response(form, section=section, item=None)


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@managers_only
def edit_item(item_id: int):
    item = db.get_or_404(ChecklistItem, item_id)
    if refusal := frozen(item.section.template):
        return refusal
    form = ItemForm(obj=item)
    if request.method == "GET":
        form.choices.data = encode_choices(item.choices)
    if form.validate_on_submit():
        try:
            checklists.update_item(current_user, item, **form.values())
        except ValidationFailed as error:
            apply_error(form, error)
        else:
            return section_changed(item.section)
    return item_form_response(form, section=item.section, item=item)


def item_form_response(form, section, item):
    inline = is_htmx()
    response = render("checklists/item_form.html", "checklists/_item_form.html", status=form_status(form),
                      form=form, section=section, item=item, inline=inline)
    if inline and form_status(form) == 422:
        # The form posts into its section; a refused form replaces only itself.
        hx_retarget(response, f"#item-{item.id}" if item else f"#new-item-{section.id}")
    return response


@bp.route("/items/<int:item_id>/<any(up, down):direction>", methods=["POST"])
@managers_only
def move_item(item_id: int, direction: str):
    item = db.get_or_404(ChecklistItem, item_id)
    run(checklists.move_item, current_user, item, -1 if direction == "up" else 1)
    return section_changed(item.section)


@bp.route("/items/<int:item_id>/delete", methods=["POST"])
@managers_only
def delete_item(item_id: int):
    item = db.get_or_404(ChecklistItem, item_id)
    section = item.section
    run(checklists.delete_item, current_user, item)
    return section_changed(section)


@bp.route("/sections/<int:section_id>/reorder", methods=["POST"])
@managers_only
def reorder_items(section_id: int):
    """Drag and drop (JavaScript only): the items' ids in their new order."""
    section = db.get_or_404(ChecklistSection, section_id)
    run(checklists.reorder_items, current_user, section, request.form.getlist("item", type=db_int))
    return section_changed(section)
