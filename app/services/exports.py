"""Findings, inspections and scores as Excel (.xlsx) and CSV files, from the same queries as the screens.

Excel: headers in the user's language, dates as real dates, the header row frozen, filters on. CSV: UTF-8
with a byte order mark, so that Excel opens Vietnamese right. Rows are read as plain columns (no ORM
objects) and written in openpyxl's write-only mode, so a year of a province's findings stays cheap.
"""
import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from app import clock
from app.extensions import db
from app.models import (
    ChecklistTemplate,
    Finding,
    FindingStatus,
    Inspection,
    InspectionKind,
    InspectionScore,
    InspectionStatus,
    ParArea,
    Severity,
    Unit,
    User,
)
from app.models.inspection import FIELD_WORK_DONE
from app.services import reports

DATE_FORMAT = "DD/MM/YYYY"
DATETIME_FORMAT = "DD/MM/YYYY HH:MM"


@dataclass
class Table:
    """What an export holds: a sheet title, column headers and rows of plain values."""

    title: str
    headers: list[str]
    rows: list[list]
    widths: list[int]


# --- the tables ------------------------------------------------------------------------------------

def _local(value: datetime | None) -> datetime | None:
    """An aware UTC time as the naive local time Excel shows (Excel has no time zones)."""
    if value is None:
        return None
    return value.astimezone(clock.zone()).replace(tzinfo=None)


def findings_table(query: sa.Select, today: date) -> Table:
    """The findings of `query` (already filtered for the user and ordered), one row each."""
    rows = db.session.execute(
        query.with_only_columns(Finding.code, Finding.title, Unit.code, Unit.name, Inspection.decision_number,
                                Inspection.title, Finding.severity, Finding.status, Finding.due_date,
                                Finding.issued_at, Finding.closed_at, Finding.repeat_of_id, Finding.recommendation)
        .join_from(Finding, Unit, Unit.id == Finding.unit_id)
        .join_from(Finding, Inspection, Inspection.id == Finding.inspection_id))
    body = []
    for (code, title, unit_code, unit_name, decision, inspection, severity, status, due, issued, closed, repeat_of,
         recommendation) in rows:
        status = FindingStatus(status)
        overdue = status in reports.ACTIVE_STATUSES and due is not None and due < today
        body.append([code or "", title, unit_code, unit_name, decision or "", inspection, Severity(severity).label,
                     status.label, due, _("Yes") if overdue else "", _("Yes") if repeat_of else "",
                     _local(issued), _local(closed), recommendation or ""])
    return Table(_("Findings"), [
        _("Code"), _("Title"), _("Unit code"), _("Responsible unit"), _("Decision number"), _("Inspection"),
        _("Severity"), _("Status"), _("Due date"), _("Overdue"), _("Repeat"), _("Issued at"), _("Closed at"),
        _("Recommendation")], body, [18, 50, 12, 36, 16, 40, 16, 18, 12, 10, 10, 17, 17, 50])


def _score_totals():
    return (sa.select(InspectionScore.inspection_id, sa.func.sum(InspectionScore.earned).label("earned"),
                      sa.func.sum(InspectionScore.possible).label("possible"))
            .group_by(InspectionScore.inspection_id).subquery())


def inspections_table(query: sa.Select) -> Table:
    totals = _score_totals()
    rows = db.session.execute(
        query.with_only_columns(Inspection.decision_number, Inspection.decision_date, Inspection.title,
                                Inspection.kind, Unit.code, Unit.name, Inspection.status, Inspection.planned_start,
                                Inspection.planned_end, totals.c.earned, totals.c.possible,
                                ChecklistTemplate.grading_bands)
        .join_from(Inspection, Unit, Unit.id == Inspection.unit_id)
        .join_from(Inspection, ChecklistTemplate, ChecklistTemplate.id == Inspection.template_id)
        .outerjoin_from(Inspection, totals, totals.c.inspection_id == Inspection.id))
    body = []
    for number, decided, title, kind, unit_code, unit_name, status, start, end, earned, possible, bands in rows:
        status = InspectionStatus(status)
        score = reports.percent(earned or 0, possible or 0) if status in FIELD_WORK_DONE else None
        body.append([number or "", decided, title, InspectionKind(kind).label, unit_code, unit_name, status.label,
                     start, end, score, reports.grade(score, bands or []) or ""])
    return Table(_("Inspections"), [
        _("Decision number"), _("Decision date"), _("Title"), _("Kind"), _("Unit code"), _("Inspected unit"),
        _("Status"), _("Planned start"), _("Planned end"), _("Score (%(unit)s)", unit="%"), _("Grade")], body,
        [16, 12, 50, 14, 12, 36, 18, 12, 12, 10, 12])


def scores_table(user: User, year: int) -> Table:
    """The year's scored inspections: overall score and grade, and the failed share per PAR INDEX area."""
    areas = list(ParArea)
    query = reports._scoped(
        sa.select(Inspection.id, Inspection.decision_number, Inspection.title, Unit.code, Unit.name,
                  Inspection.planned_start, ChecklistTemplate.grading_bands, InspectionScore.par_area,
                  InspectionScore.passed, InspectionScore.failed, InspectionScore.earned, InspectionScore.possible)
        .select_from(InspectionScore).join(Inspection, Inspection.id == InspectionScore.inspection_id)
        .join(Unit, Unit.id == Inspection.unit_id)
        .join(ChecklistTemplate, ChecklistTemplate.id == Inspection.template_id)
        .where(reports._year(year), Inspection.status.in_(FIELD_WORK_DONE))
        .order_by(Unit.name, Inspection.planned_start, Inspection.id), user)
    per_inspection: dict[int, dict] = {}
    for inspection_id, number, title, unit_code, unit_name, start, bands, area, passed, failed, earned, possible \
            in db.session.execute(query):
        entry = per_inspection.setdefault(inspection_id, {
            "head": [unit_code, unit_name, number or "", title, start], "bands": bands or [],
            "earned": 0.0, "possible": 0.0, "areas": {}})
        entry["earned"] += earned
        entry["possible"] += possible
        if area:
            entry["areas"][area] = (failed, passed + failed)
    body = []
    for entry in per_inspection.values():
        score = reports.percent(entry["earned"], entry["possible"])
        shares = []
        for area in areas:
            failed, scored = entry["areas"].get(area.value, (0, 0))
            shares.append(round(failed * 100 / scored, 1) if scored else None)
        body.append(entry["head"] + [score, reports.grade(score, entry["bands"]) or ""] + shares)
    headers = [_("Unit code"), _("Unit"), _("Decision number"), _("Inspection"), _("Planned start"), _("Score (%(unit)s)", unit="%"),
               _("Grade")] + [_("Failed (%%): %(area)s", area=area.label) for area in areas]
    return Table(_("Scores %(year)d", year=year), headers, body, [12, 36, 16, 40, 12, 10, 12] + [14] * len(areas))


def units_table(user: User, year: int, today: date) -> Table:
    """The dashboard's table: per unit the year's inspections, latest score and findings, the directive
    tasks given, done and overdue, and the latest CCHC index total with its weakest field."""
    data = reports.dashboard(user, year, today)
    headers = [_("Unit code"), _("Unit"), _("Planned"), _("Done"), _("Latest score"), _("Grade"), _("Not closed"),
               _("Overdue"), _("Closed"), _("Repeats"), _("Tasks given"), _("Tasks done"), _("Tasks overdue"),
               _("CCHC index %(year)s", year=data.index_year or ""), _("Weakest field")]
    body = [[r.code, r.name, r.planned, r.done, r.score, r.grade or "", r.open, r.overdue, r.closed, r.repeats,
             r.tasks, r.tasks_done, r.tasks_overdue, r.index_total, str(r.index_weakest.label) if r.index_weakest else ""]
            for r in data.units]
    return Table(_("Units %(year)d", year=year), headers, body, [12, 40] + [10] * 11 + [12, 36])


# --- the files -------------------------------------------------------------------------------------

def _sheet_title(text: str) -> str:
    return "".join(c for c in text if c not in "[]:*?/\\")[:31] or "Sheet"


def to_xlsx(table: Table) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_sheet_title(table.title))
    sheet.freeze_panes = "A2"
    for index, width in enumerate(table.widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    last = get_column_letter(len(table.headers))
    sheet.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"
    bold = Font(bold=True)

    def header(text):
        cell = WriteOnlyCell(sheet, value=str(text))
        cell.font = bold
        return cell

    def cell(value):
        if isinstance(value, datetime):
            written = WriteOnlyCell(sheet, value=value)
            written.number_format = DATETIME_FORMAT
            return written
        if isinstance(value, date):
            written = WriteOnlyCell(sheet, value=value)
            written.number_format = DATE_FORMAT
            return written
        if isinstance(value, str) and value.startswith("="):
            written = WriteOnlyCell(sheet, value=value)
            written.data_type = "s"  # text someone typed, never a formula the reader's Excel would run
            return written
        return value

    sheet.append([header(text) for text in table.headers])
    for row in table.rows:
        sheet.append([cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value  # Excel would take typed text such as "=HYPERLINK(…)" for a formula
    return value


def to_csv(table: Table) -> bytes:
    """UTF-8 with BOM and CRLF line ends: what Excel on Windows expects of a .csv."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(text) for text in table.headers])
    for row in table.rows:
        writer.writerow([_csv_value(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")
