"""The dashboard, its printable A4 report, the exports and the search page.

Each route makes one rights check through app.services (reports.can_see_dashboard; the findings list's
own filters for its export); the figures are the services' grouped queries. Sorting and filtering are
plain GET links and forms; htmx swaps only the units table when a sort link is followed.
"""
from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.htmx import render
from app.models import ParArea, Role
from app.reports import bp
from app.findings.forms import list_filters
from app.forms import Page, clamp_year, db_int
from app.reports.forms import DashboardArgs
from app.services import exports, finding_lists, reports
from app.services import inspections as inspection_service
from app.services import search as search_service
from app import clock
from app.services.reports import SORT_KEYS

MIME = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv"}  # Flask adds the charset to text types


def _dashboard_context(whole_heat: bool = False) -> dict:
    if not reports.can_see_dashboard(current_user):
        abort(404)
    today = clock.local_today()
    args = DashboardArgs.read(request.args, today.year)
    data = reports.dashboard(current_user, args.year, today, args.sort, args.descending,
                             whole_heat=whole_heat or args.all_heat)
    units = Page.of(data.units, args.page, current_app.config["PER_PAGE"])
    return {"units": units, "data": data, "args": args, "sort_keys": SORT_KEYS, "today": today,
            "all_areas": list(ParArea), "heat_most": reports.HEAT_MOST}


@bp.route("/")
def dashboard():
    """Leaders' (and inspectors') oversight for a year; a unit head is taken to their unit's page."""
    if current_user.role == Role.UNIT_HEAD:
        if not current_user.unit_id:
            abort(404)
        return redirect(url_for("findings.unit", unit_id=current_user.unit_id))
    return render("reports/dashboard.html", "reports/_units.html", **_dashboard_context())


@bp.route("/print")
def printable():
    """The dashboard as an A4 report: tables beside the charts, no menus."""
    return render("reports/print.html", **_dashboard_context(whole_heat=True))


@bp.route("/export/<any(findings, inspections, scores, units):what>.<any(xlsx, csv):fmt>")
def export(what: str, fmt: str):
    """The findings list, the inspections list (with the same filters), the year's scores or the
    dashboard's units table as a file."""
    today = clock.local_today()
    if what == "findings":
        query, _filters = finding_lists.filtered_findings(current_user, list_filters(request.args), today)
        table = exports.findings_table(finding_lists.ordered(query, today), today)
    elif what == "inspections":
        query = inspection_service.filtered_inspections(current_user, clamp_year(request.args.get("year", type=db_int)),
                                          request.args.get("status", ""), request.args.get("unit", type=db_int),
                                          request.args.get("q", "").strip())
        table = exports.inspections_table(query)
    else:
        if not reports.can_see_dashboard(current_user):
            abort(404)
        year = clamp_year(request.args.get("year", type=db_int)) or today.year
        table = (exports.scores_table(current_user, year) if what == "scores"
                 else exports.units_table(current_user, year, today))
    body = exports.to_xlsx(table) if fmt == "xlsx" else exports.to_csv(table)
    name = f"{what}-{today.isoformat()}.{fmt}"
    return Response(body, mimetype=MIME[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/search")
def search():
    """The header's search box: units, inspections and findings, grouped, within the user's rights."""
    q = (request.args.get("q") or request.args.get("s", "")).strip()[:200]  # s: the header's box
    results = search_service.search(current_user, q)
    return render("reports/search.html", "reports/_search_results.html", results=results, q=q,
                  today=clock.local_today())
