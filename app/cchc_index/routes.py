"""The CCHC index pages. Reading is for staff (the blueprint's guard); importing and proposing
remediation for leaders and administrators."""
from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.auth.access import roles_required
from app.cchc_index import bp
from app.cchc_index.forms import IndexImportForm
from app.extensions import db
from app.forms import clamp_year, db_int, form_status
from app.htmx import render
from app.models import ParArea
from app.services import cchc_index as service
from app.services import follow_ups, permissions
from app.services.errors import ImportFailed
from app.services.permissions import MANAGERS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/")
def index():
    """A year's index as a heat map of units × fields by share of the maximum, with the years imported."""
    years = service.years()
    year = clamp_year(request.args.get("year", type=db_int)) or (years[0] if years else None)
    rows = service.ranked(year) if year else []
    heat = [service.heat_row(unit.id, unit.name, result) for unit, result in rows]
    return render("cchc_index/index.html", years=years, year=year, rows=rows, heat=heat, areas=list(ParArea),
                  numbers=service.field_number, threshold=current_app.config["REMEDIATION_THRESHOLD"],
                  can_write=permissions.is_manager(current_user))


@bp.route("/template.xlsx")
def template():
    return Response(service.template_xlsx(), mimetype=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="mau-chi-so-cchc.xlsx"'})


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def import_file():
    form = IndexImportForm()
    errors = []
    if form.validate_on_submit():
        try:
            count = service.import_index(current_user, form.year.data, form.file.data.read(), form.replace.data)
        except ImportFailed as failure:
            errors = failure.errors
        else:
            flash(_("Imported the %(year)d index of %(n)d units.", year=form.year.data, n=count), "success")
            return redirect(url_for("cchc_index.index", year=form.year.data), 303)
    return render("cchc_index/import.html", status=422 if errors else form_status(form), form=form, errors=errors)


@bp.route("/<int:year>/propose", methods=["POST"])
@roles_required(*MANAGERS)
def propose(year: int):
    """A remediation item proposed for every weak field or sub-criterion of the year, for a leader to
    confirm or dismiss one by one."""
    weak = service.weak_scores(year, current_app.config["REMEDIATION_THRESHOLD"])
    count = follow_ups.propose_remediation(current_user, weak)
    db.session.commit()
    flash(_("%(n)d remediation items proposed.", n=count), "success")
    return redirect(url_for("follow_ups.index", status="proposed", year=year), 303)
