"""The yearly CCHC index: importing a year from Excel, and reading it per unit, per field and for the
dashboard; the weak scores that propose remediation items (task 1.4 of directive 517).

The workbook has two sheets (`template_xlsx` writes an empty one): "Tổng hợp", a row per unit with its
total, maximum, rank and grade; "Điểm thành phần", a row per unit and PAR field (its total, Tiêu chí
empty) and, optionally, per sub-criterion. A file with any problem imports nothing and names the sheet,
row and column of each problem, as the checklist import does.
"""
import io
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from app.database import plain_rows
from app.extensions import db
from app.models import IndexResult, IndexScore, ParArea, Unit, User
from app.models.search import normalise
from app.services import audit
from app.services.errors import ImportFailed, NotPermitted
from app.services.permissions import is_manager, units_visible_to
from app.services.xlsx_tables import Column, Problems, TableRow, cell_text, open_workbook, read_table

SUMMARY_SHEET = "Tổng hợp"
SCORES_SHEET = "Điểm thành phần"
UNIT = Column("unit", "Mã đơn vị", ("unit code", "mã"), required=True)
SUMMARY_COLUMNS = (UNIT, Column("name", "Tên đơn vị", ("unit", "đơn vị")),
                   Column("total", "Tổng điểm", ("total",), required=True),
                   Column("maximum", "Điểm tối đa", ("maximum", "tối đa"), required=True),
                   Column("rank", "Xếp hạng", ("rank",)), Column("grade", "Xếp loại", ("grade",)))
SCORE_COLUMNS = (UNIT, Column("field", "Lĩnh vực", ("field",), required=True),
                 Column("criterion", "Tiêu chí", ("criterion",)), Column("label", "Nội dung", ("label",)),
                 Column("score", "Điểm", ("score",), required=True),
                 Column("maximum", "Điểm tối đa", ("maximum", "tối đa"), required=True))
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")  # the fields in the order of QĐ 876/QĐ-BNV


def field_number(area: ParArea) -> str:
    return ROMAN[list(ParArea).index(area)]


def _field_lookup() -> dict[str, ParArea]:
    lookup = {}
    for numeral, area in zip(ROMAN, ParArea):
        lookup.update({numeral.lower(): area, area.value: area, normalise(area.label): area})
    return lookup


# --- reading a file ------------------------------------------------------------------------------

@dataclass
class _Sheet:
    name: str
    rows: list[TableRow]
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


class _Reader:
    """Checks every cell of both sheets, collecting the problems, and builds the rows to write."""

    def __init__(self, units: dict[str, Unit]):
        self.units = units
        self.fields = _field_lookup()
        self.problems = Problems()
        self.results: dict[int, dict] = {}
        self.scores: dict[int, dict[tuple, dict]] = defaultdict(dict)

    def at(self, sheet: _Sheet, row: TableRow, key: str, message) -> None:
        self.problems.add(_('Sheet "%(sheet)s", row %(row)d, column "%(column)s": %(message)s', sheet=sheet.name,
                            row=row.number, column=sheet.column(key).header, message=message))

    def number(self, sheet, row, key, required=True) -> float | None:
        value = row.cells.get(key)
        if cell_text(value) == "":
            if required:
                self.at(sheet, row, key, _("a number is needed."))
            return None
        try:
            number = float(str(value).replace(",", ".")) if not isinstance(value, (int, float)) else float(value)
        except ValueError:
            self.at(sheet, row, key, _("“%(value)s” is not a number.", value=cell_text(value)))
            return None
        if number < 0:
            self.at(sheet, row, key, _("cannot be negative."))
            return None
        return number

    def unit(self, sheet, row) -> Unit | None:
        code = cell_text(row.cells.get("unit"))
        unit = self.units.get(code.casefold())
        if unit is None:
            self.at(sheet, row, "unit", _("no unit has the code “%(code)s”.", code=code))
        return unit

    def score_within(self, sheet, row, score, maximum, key="total") -> None:
        if score is not None and maximum is not None and score > maximum:
            self.at(sheet, row, key, _("%(score)s is above the maximum %(maximum)s.", score=f"{score:g}",
                                       maximum=f"{maximum:g}"))

    def summary_row(self, sheet: _Sheet, row: TableRow) -> None:
        unit = self.unit(sheet, row)
        total, maximum = self.number(sheet, row, "total"), self.number(sheet, row, "maximum")
        self.score_within(sheet, row, total, maximum)
        rank = self.number(sheet, row, "rank", required=False)
        if rank is not None and (rank < 1 or rank != int(rank)):
            self.at(sheet, row, "rank", _("a rank is a whole number from 1."))
        if unit is None:
            return
        if unit.id in self.results:
            self.at(sheet, row, "unit", _("“%(code)s” is listed twice.", code=unit.code))
        self.results[unit.id] = {"row": row.number, "total": total, "maximum": maximum,
                                 "rank": int(rank) if rank else None, "grade": cell_text(row.cells.get("grade"))[:64]}

    def score_row(self, sheet: _Sheet, row: TableRow) -> None:
        unit = self.unit(sheet, row)
        area = self.fields.get(normalise(cell_text(row.cells.get("field"))))
        if area is None:
            self.at(sheet, row, "field", _("“%(value)s” is not a PAR INDEX field (I to VIII).",
                                           value=cell_text(row.cells.get("field"))))
        score, maximum = self.number(sheet, row, "score"), self.number(sheet, row, "maximum")
        self.score_within(sheet, row, score, maximum, "score")
        if unit is None or area is None:
            return
        criterion = cell_text(row.cells.get("criterion"))[:32]
        if unit.id not in self.results:
            self.at(sheet, row, "unit", _("“%(code)s” has no row in the sheet “%(sheet)s”.", code=unit.code,
                                          sheet=SUMMARY_SHEET))
        if (area, criterion) in self.scores[unit.id]:
            self.at(sheet, row, "criterion", _("this field or criterion is listed twice for “%(code)s”.",
                                               code=unit.code))
        self.scores[unit.id][(area, criterion)] = {"row": row.number, "score": score, "maximum": maximum,
                                                   "label": cell_text(row.cells.get("label"))}

    def check_fields_have_totals(self, sheet: _Sheet) -> None:
        for unit_id, scores in self.scores.items():
            for area, criterion in scores:
                if criterion and (area, "") not in scores:
                    self.problems.add(_('Sheet "%(sheet)s", row %(row)d: the criterion needs the row of its field '
                                        '(%(field)s) with an empty “Tiêu chí”.', sheet=sheet.name,
                                        row=scores[(area, criterion)]["row"], field=field_number(area)))


def _sheets(data: bytes) -> tuple[_Sheet, _Sheet]:
    book = open_workbook(data, read_only=True)
    by_title = {sheet.title.strip().casefold(): sheet for sheet in book.worksheets}
    summary = by_title.get(SUMMARY_SHEET.casefold())
    scores = by_title.get(SCORES_SHEET.casefold())
    if summary is None or scores is None:
        raise ImportFailed([_('The workbook needs the sheets “%(summary)s” and “%(scores)s”: download the template.',
                              summary=SUMMARY_SHEET, scores=SCORES_SHEET)])
    return _table(SUMMARY_SHEET, summary, SUMMARY_COLUMNS), _table(SCORES_SHEET, scores, SCORE_COLUMNS)


def _table(name: str, sheet, columns: tuple[Column, ...]) -> _Sheet:
    try:
        return _Sheet(name, read_table(sheet.iter_rows(values_only=True), columns), columns)
    except ImportFailed as failed:  # name the sheet of a missing column
        raise ImportFailed([_("Sheet “%(sheet)s”: %(problem)s", sheet=name, problem=e) for e in failed.errors]) from None


def read_file(data: bytes) -> _Reader:
    """Every problem of the file, or the rows it holds (by unit id)."""
    summary, scores = _sheets(data)
    units = {u.code.casefold(): u for u in db.session.scalars(sa.select(Unit))}
    reader = _Reader(units)
    for row in summary.rows:
        reader.summary_row(summary, row)
    for row in scores.rows:
        reader.score_row(scores, row)
    reader.check_fields_have_totals(scores)
    if not reader.results and not reader.problems.messages:
        reader.problems.add(_("The sheet “%(sheet)s” lists no unit.", sheet=SUMMARY_SHEET))
    reader.problems.raise_any()
    return reader


# --- importing -----------------------------------------------------------------------------------

def existing_count(year: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(IndexResult).where(IndexResult.year == year))


def import_index(actor: User, year: int, data: bytes, replace: bool = False) -> int:
    """Import `year`'s index from an Excel file; returns how many units it holds. A year already
    imported is replaced only when `replace` says so. Commits, or writes nothing."""
    if not is_manager(actor):
        raise NotPermitted(_("Only leaders and administrators import the index."))
    reader = read_file(data)
    before = existing_count(year)
    if before and not replace:
        raise ImportFailed([_("The index of %(year)d is already here (%(n)d units). Tick “Replace” to import it "
                              "again.", year=year, n=before)])
    db.session.execute(sa.delete(IndexScore).where(IndexScore.result_id.in_(
        sa.select(IndexResult.id).where(IndexResult.year == year))))
    db.session.execute(sa.delete(IndexResult).where(IndexResult.year == year))
    for unit_id, values in reader.results.items():
        result = IndexResult(year=year, unit_id=unit_id, total=values["total"], maximum=values["maximum"],
                             rank=values["rank"], grade=values["grade"], imported_by_id=actor.id)
        result.scores = [IndexScore(par_area=area, criterion_code=criterion, criterion_label=score["label"],
                                    score=score["score"], maximum=score["maximum"])
                         for (area, criterion), score in reader.scores.get(unit_id, {}).items()]
        db.session.add(result)
    audit.insert(actor, "import", "index", year, _("CCHC index %(year)d", year=year),
                 {"units": [before or None, len(reader.results)]})
    db.session.commit()
    return len(reader.results)


def template_xlsx() -> bytes:
    """An empty workbook with both sheets, their headers and one example unit."""
    book = Workbook()
    summary = book.active
    summary.title = SUMMARY_SHEET
    summary.append([c.header for c in SUMMARY_COLUMNS])
    summary.append(["SNV", "Sở Nội vụ", 86.5, 100, 3, "Tốt"])
    scores = book.create_sheet(SCORES_SHEET)
    scores.append([c.header for c in SCORE_COLUMNS])
    for numeral, area in zip(ROMAN, ParArea):
        scores.append(["SNV", numeral, "", str(area.label), None, None])
    scores.append(["SNV", "III", "III.2", "Tỷ lệ hồ sơ TTHC giải quyết đúng hạn", None, None])
    for sheet in (summary, scores):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for letter in "ABCDEF":
            sheet.column_dimensions[letter].width = 22
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- reading -------------------------------------------------------------------------------------

@dataclass
class WeakScore:
    unit_id: int
    year: int
    par_area: ParArea
    criterion_code: str
    criterion_label: str
    score: float
    maximum: float


def weak_scores(year: int, threshold: float, unit_id: int | None = None) -> list[WeakScore]:
    """The scores below `threshold` × maximum: a field's sub-criteria where the file has them, else the
    field itself (one query)."""
    query = (sa.select(IndexResult.unit_id, IndexScore).join(IndexScore, IndexScore.result_id == IndexResult.id)
             .where(IndexResult.year == year).order_by(IndexResult.unit_id, IndexScore.id))
    if unit_id is not None:
        query = query.where(IndexResult.unit_id == unit_id)
    rows = db.session.execute(query).all()
    detailed = {(owner, score.par_area) for owner, score in rows if score.criterion_code}
    weak = []
    for owner, score in rows:
        if bool(score.criterion_code) != ((owner, score.par_area) in detailed):
            continue  # a field's total when its criteria are given, or a criterion (never both)
        if score.maximum and score.score < threshold * score.maximum:
            weak.append(WeakScore(owner, year, score.par_area, score.criterion_code,
                                  score.criterion_label or str(score.par_area.label), score.score, score.maximum))
    return weak


def years() -> list[int]:
    return list(db.session.scalars(sa.select(IndexResult.year).distinct().order_by(IndexResult.year.desc())))


@dataclass
class UnitIndex:
    """A unit's index in one year: total, rank, grade, the fields' shares and the weakest field."""
    year: int
    total: float
    maximum: float
    rank: int | None
    grade: str
    fields: dict  # ParArea → (score, maximum)

    def weakest_and_share(self) -> tuple[ParArea | None, float]:
        """The weakest field and its share of its maximum ((None, 1) when no field has a maximum)."""
        weakest, lowest = None, 1
        for area, (score, maximum) in self.fields.items():
            if maximum and (weakest is None or score / maximum < lowest):
                weakest, lowest = area, score / maximum
        return weakest, lowest


def by_unit(year: int, unit_ids=None) -> dict[int, UnitIndex]:
    """Each unit's index of `year` with its field totals, for the dashboard: one row per unit, the
    fields side by side (a row per field made the dashboard fetch and loop eight times as many)."""
    fields = []
    for area in ParArea:
        in_area = IndexScore.par_area == area
        fields += [sa.func.max(IndexScore.score).filter(in_area), sa.func.max(IndexScore.maximum).filter(in_area)]
    query = (sa.select(IndexResult.unit_id, IndexResult.total, IndexResult.maximum, IndexResult.rank,
                       IndexResult.grade, *fields)
             .outerjoin(IndexScore, sa.and_(IndexScore.result_id == IndexResult.id, IndexScore.criterion_code == ""))
             .where(IndexResult.year == year)
             .group_by(IndexResult.id, IndexResult.unit_id, IndexResult.total, IndexResult.maximum,
                       IndexResult.rank, IndexResult.grade))
    if unit_ids is not None:
        query = query.where(IndexResult.unit_id.in_(unit_ids))
    found: dict[int, UnitIndex] = {}
    areas = tuple(ParArea)  # once: iterating the enum class costs a generator per row
    for unit_id, total, maximum, rank, grade, *scores in plain_rows(query):
        found[unit_id] = UnitIndex(year, total, maximum, rank, grade, {
            area: (score, field_max) for area, score, field_max in zip(areas, scores[::2], scores[1::2])
            if score is not None})
    return found


def unit_history(user: User, unit: Unit) -> list[IndexResult]:
    """The unit's index over the years, newest first, with its scores (a unit head's own units only)."""
    visible = units_visible_to(user).with_only_columns(Unit.id)
    return list(db.session.scalars(
        sa.select(IndexResult).where(IndexResult.unit_id == unit.id, IndexResult.unit_id.in_(visible))
        .options(sa.orm.selectinload(IndexResult.scores)).order_by(IndexResult.year.desc())))


def latest_year(up_to: int) -> int | None:
    return db.session.scalar(sa.select(sa.func.max(IndexResult.year)).where(IndexResult.year <= up_to))


def ranked(year: int) -> list[tuple[Unit, UnitIndex]]:
    """Every unit's index of `year`, by rank then name (two queries)."""
    results = by_unit(year)
    units = db.session.scalars(sa.select(Unit).where(Unit.id.in_(results))).all()
    return sorted(((unit, results[unit.id]) for unit in units),
                  key=lambda pair: (pair[1].rank or 10**6, pair[0].name.casefold()))


@dataclass
class IndexHeatRow:
    """A unit's CCHC index fields: (score, maximum) per area value; the shares are achievements."""
    unit_id: int
    name: str
    cells: dict

    def share(self, area: str) -> float | None:
        score, maximum = self.cells.get(area, (0, 0))
        return score / maximum if maximum else None

    def detail(self, area: str) -> str | None:
        score, maximum = self.cells.get(area, (0, 0))
        return f"{score:g}/{maximum:g}" if maximum else None


def heat_row(unit_id: int, name: str, result: UnitIndex) -> IndexHeatRow:
    # The fields' keys are ParArea members, which are strings: a cell is found by the area's value as well.
    return IndexHeatRow(unit_id, name, result.fields)
