"""Checklist templates in and out of files: a lossless JSON format and one-template Excel workbooks.

JSON (any number of templates)::

    {"format": "kiemtra-checklist", "format_version": 1, "templates": [
        {"family", "version", "name", "scope", "legal_basis", "grading_bands",
         "sections": [{"code", "title", "par_area",
                       "items": [{"code", "question", "guidance", "legal_basis", "legal_basis_unverified",
                                  "answer_type", "target_operator", "target_value", "unit", "formula",
                                  "numerator_label", "denominator_label", "choices", "weight",
                                  "evidence_required", "default_severity"}]}]}]}

Enums are written as their values; positions are the list order. On import, a missing optional key takes
the model default (empty text, no target, weight 1, evidence "never", severity "minor", default bands).

Excel (one template per workbook):

* sheet 1, titled with the family: a header row (COLUMNS, in Vietnamese) then one row per item, the
  section columns repeated on every row. Consecutive rows with the same section code, title and PAR
  area form one section. A row with only the section columns filled is a section without items.
  Enum cells hold the enum value (pass_fail, >=, on_fail, minor, leadership…; ≥ and ≤ are accepted too).
  "Căn cứ cần đối chiếu" holds "x" or nothing.
  "Lựa chọn" holds one choice per line as ``value=label=passes``, passes being "đạt", "không đạt" or
  "kad" (không áp dụng). The value is up to the first "=", passes after the last one, so a label may
  contain "=" (or ";"); choice values may not contain "=", ";" or a line break, labels no line break.
  On import, choices separated by ";" instead of line breaks are accepted too.
* sheet "Thông tin": key/value rows for the template fields (INFO_KEYS); one "Xếp loại" row per
  grading band with the label in column B and the minimum percentage in column C.

Every import checks the whole file first (validate_template, shared by both formats) and imports
nothing when anything is wrong, naming the place of every problem. Imported templates are new drafts.
"""
import io
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation

from app.extensions import db
from app.models import (
    AnswerType,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    EvidenceRule,
    ParArea,
    Severity,
    TargetOperator,
    TemplateStatus,
    User,
)
from app.models.checklist import DEFAULT_GRADING_BANDS
from app.services import audit
from app.services.checklists import ITEM_FIELDS, item_problems, label, publish
from app.services.errors import ImportFailed
from app.services.xlsx_tables import Column, Problems, TableRow, at_cell, cell_text, open_workbook, read_table

FORMAT = "kiemtra-checklist"
FORMAT_VERSION = 1
SEED_FILE = Path(__file__).resolve().parent.parent / "seed" / "checklists.json"

ITEM_KEYS = tuple(field for field in ITEM_FIELDS if field != "position")
AUDIT_FIELDS = ("family", "version", "name", "status")

# Excel columns of the items sheet: (key, header). Section keys first, then item keys.
SECTION_COLUMNS = (("code", "Mã phần"), ("title", "Tên phần"), ("par_area", "Lĩnh vực PAR INDEX"))
ITEM_COLUMNS = (
    ("code", "Mã tiêu chí"),
    ("question", "Nội dung kiểm tra"),
    ("guidance", "Hướng dẫn"),
    ("legal_basis", "Căn cứ pháp lý"),
    ("legal_basis_unverified", "Căn cứ cần đối chiếu"),
    ("answer_type", "Kiểu trả lời"),
    ("target_operator", "Toán tử"),
    ("target_value", "Chỉ tiêu"),
    ("unit", "Đơn vị tính"),
    ("formula", "Công thức"),
    ("numerator_label", "Tử số"),
    ("denominator_label", "Mẫu số"),
    ("choices", "Lựa chọn"),
    ("weight", "Trọng số"),
    ("evidence_required", "Yêu cầu minh chứng"),
    ("default_severity", "Mức độ mặc định"),
)
COLUMNS = tuple(h for _k, h in SECTION_COLUMNS) + tuple(h for _k, h in ITEM_COLUMNS)
REQUIRED_COLUMNS = ("Tên phần", "Nội dung kiểm tra", "Kiểu trả lời")
# The items sheet as a table keyed by header; a header may also be our field name, except the ambiguous "code".
TABLE_COLUMNS = tuple(Column(header, header, () if key == "code" else (key,), required=header in REQUIRED_COLUMNS)
                      for key, header in SECTION_COLUMNS + ITEM_COLUMNS)
ITEM_TEXT_KEYS = ("code", "question", "guidance", "legal_basis", "unit", "formula", "numerator_label",
                  "denominator_label")
INFO_SHEET = "Thông tin"
INFO_KEYS = (
    ("family", "Mã bộ tiêu chí"),
    ("version", "Phiên bản"),
    ("name", "Tên bộ tiêu chí"),
    ("scope", "Phạm vi áp dụng"),
    ("legal_basis", "Căn cứ pháp lý"),
)
BAND_KEY = "Xếp loại"
INFO_HEADER = ("Thông tin", "Giá trị", "Tỷ lệ tối thiểu (%)")
PASSES_OUT = {True: "đạt", False: "không đạt", None: "kad"}
PASSES_IN = {
    "đạt": True, "dat": True, "pass": True, "true": True,
    "không đạt": False, "khong dat": False, "fail": False, "false": False,
    "kad": None, "không áp dụng": None, "khong ap dung": None, "n/a": None, "none": None,
}
OPERATOR_ALIASES = {"≥": ">=", "≤": "<=", "==": "="}

TEXT_LIMITS = {"family": 32, "name": 255, "section_code": 32, "title": 255, "code": 32, "unit": 32,
               "numerator_label": 255, "denominator_label": 255}
FIELD_NAMES = {
    "family": _l("template code"), "version": _l("version"), "name": _l("template name"), "scope": _l("scope"),
    "legal_basis": _l("legal basis"), "section_code": _l("section code"), "title": _l("section title"),
    "code": _l("item code"), "question": _l("question"), "guidance": _l("guidance"), "unit": _l("unit"),
    "formula": _l("formula"), "numerator_label": _l("numerator"), "denominator_label": _l("denominator"),
}


# --- export --------------------------------------------------------------------------------------

def _value(member) -> Optional[str]:
    return member.value if member is not None else None


def template_to_dict(template: ChecklistTemplate) -> dict:
    """The template in the JSON export format (enum values as strings, positions as list order)."""
    return {
        "family": template.family,
        "version": template.version,
        "name": template.name,
        "scope": template.scope or "",
        "legal_basis": template.legal_basis or "",
        "grading_bands": [dict(band) for band in (template.grading_bands or [])],
        "sections": [
            {
                "code": section.code or "",
                "title": section.title,
                "par_area": _value(section.par_area),
                "items": [
                    {
                        "code": item.code or "",
                        "question": item.question,
                        "guidance": item.guidance or "",
                        "legal_basis": item.legal_basis or "",
                        "legal_basis_unverified": bool(item.legal_basis_unverified),
                        "answer_type": _value(item.answer_type),
                        "target_operator": _value(item.target_operator),
                        "target_value": None if item.target_value is None else float(item.target_value),
                        "unit": item.unit or "",
                        "formula": item.formula or "",
                        "numerator_label": item.numerator_label or "",
                        "denominator_label": item.denominator_label or "",
                        "choices": [dict(choice) for choice in (item.choices or [])],
                        "weight": float(item.weight),
                        "evidence_required": _value(item.evidence_required),
                        "default_severity": _value(item.default_severity),
                    }
                    for item in section.items
                ],
            }
            for section in template.sections
        ],
    }


def export_json(templates: Iterable[ChecklistTemplate]) -> bytes:
    document = {"format": FORMAT, "format_version": FORMAT_VERSION,
                "templates": [template_to_dict(t) for t in templates]}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def encode_choices(choices: list[dict]) -> str:
    """Choices as text, one per line "value=label=passes" (the Excel cell and the editor's field)."""
    return "\n".join(f"{c['value']}={c['label']}={PASSES_OUT[c.get('passes')]}" for c in choices)


def _set(cell, value) -> None:
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text such as the operator "=", never a formula


def _sheet_title(family: str) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "_", family or "") or "Checklist"
    title = title[:31]
    return title + "_" if title.lower() == INFO_SHEET.lower() else title


def export_xlsx(template: ChecklistTemplate) -> bytes:
    """One workbook: the items sheet (titled with the family) and the "Thông tin" sheet."""
    data = template_to_dict(template)
    book = Workbook()
    sheet = book.active
    sheet.title = _sheet_title(data["family"])
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for section in data["sections"]:
        section_cells = [section["code"], section["title"], section["par_area"] or ""]
        if not section["items"]:  # a section without items: a row with only the section columns
            row = sheet.max_row + 1
            for column, value in enumerate(section_cells, start=1):
                _set(sheet.cell(row, column), value)
        for item in section["items"]:
            cells = {
                **{key: item[key] for key, _h in ITEM_COLUMNS},
                "legal_basis_unverified": "x" if item["legal_basis_unverified"] else "",
                "target_operator": item["target_operator"] or "",
                "choices": encode_choices(item["choices"]),
            }
            row = sheet.max_row + 1
            for column, value in enumerate(section_cells + [cells[key] for key, _h in ITEM_COLUMNS], start=1):
                _set(sheet.cell(row, column), value)
    widths = {"Tên phần": 30, "Nội dung kiểm tra": 60, "Hướng dẫn": 40, "Căn cứ pháp lý": 40, "Công thức": 40,
              "Tử số": 30, "Mẫu số": 30, "Lựa chọn": 30}
    for index, header in enumerate(COLUMNS, start=1):
        letter = sheet.cell(1, index).column_letter
        sheet.column_dimensions[letter].width = widths.get(header, 14)
    sheet.freeze_panes = "A2"
    lists = {
        "par_area": ParArea, "answer_type": AnswerType, "target_operator": TargetOperator,
        "evidence_required": EvidenceRule, "default_severity": Severity,
    }
    last_row = max(sheet.max_row, 2) + 200
    for index, (key, _h) in enumerate(SECTION_COLUMNS + ITEM_COLUMNS, start=1):
        if key in lists:
            letter = sheet.cell(1, index).column_letter
            validation = DataValidation(type="list", allow_blank=True,
                                        formula1='"' + ",".join(m.value for m in lists[key]) + '"')
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{last_row}")

    info = book.create_sheet(INFO_SHEET)
    info.append(list(INFO_HEADER))
    for key, header in INFO_KEYS:
        info.append([header])
        _set(info.cell(info.max_row, 2), data[key])
    for band in data["grading_bands"]:
        info.append([BAND_KEY, None, band.get("min_percent")])
        _set(info.cell(info.max_row, 2), band.get("label"))
    for cell in info[1]:
        cell.font = Font(bold=True)
    info.column_dimensions["A"].width = 20
    info.column_dimensions["B"].width = 80
    info.column_dimensions["C"].width = 18

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- validation ----------------------------------------------------------------------------------

@dataclass
class Problem:
    """One problem in a template dict. section/item are 0-based indexes; field is the dict key
    (or "section_code" for a section's code); index is the grading band's index."""

    message: str
    section: Optional[int] = None
    item: Optional[int] = None
    field: Optional[str] = None
    index: Optional[int] = None


_MISSING = object()


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class _Checks:
    """The checks of single values: each records a Problem and returns a usable value instead."""

    def __init__(self):
        self.problems: list[Problem] = []

    def problem(self, message, **where) -> None:
        self.problems.append(Problem(str(message), **where))

    def text(self, source: dict, key: str, name: str = "", required=False, **where) -> str:
        name = name or key
        value = source.get(key)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.problem(_("The %(field)s must be text.", field=FIELD_NAMES.get(name, name)), field=key, **where)
            return ""
        value = value.strip()
        if required and not value:
            self.problem(_("The %(field)s is empty.", field=FIELD_NAMES.get(name, name)), field=key, **where)
        limit = TEXT_LIMITS.get(name)
        if limit and len(value) > limit:
            self.problem(_("The %(field)s is longer than %(max)d characters.", field=FIELD_NAMES.get(name, name),
                           max=limit), field=key, **where)
        return value

    def member(self, source: dict, key: str, enum_cls, message: str, default=_MISSING, **where):
        value = source.get(key)
        if value is None or value == "":
            if default is _MISSING:
                self.problem(message % {"value": ""}, field=key, **where)
            return None if default is _MISSING else default
        try:
            return enum_cls(value)
        except (ValueError, TypeError):
            self.problem(message % {"value": value}, field=key, **where)
            return None if default is _MISSING else default

    def number(self, source: dict, key: str, default: Optional[float], message: str, **where) -> Optional[float]:
        """A finite number as float; `default` when missing or not a number (then a problem)."""
        value = source.get(key)
        if value is None:
            return default
        if not _is_number(value):
            self.problem(message % {"value": value}, field=key, **where)
            return default
        return float(value)

    def flag(self, source: dict, key: str, message: str, **where) -> bool:
        value = source.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.problem(message, field=key, **where)
            return False
        return value

    def listed(self, source: dict, key: str, message: str, **where) -> list:
        """The list under `key`: [] when missing, or when not a list (then a problem)."""
        value = source.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(message, field=key, **where)
            return []
        return value


class _Checker(_Checks):
    """Checks one template dict and builds its clean form (typed values, stripped text)."""

    def template(self, data) -> Optional[dict]:
        if not isinstance(data, dict):
            self.problem(_("A template must be an object with its fields."))
            return None
        clean = {
            "family": self.text(data, "family", required=True).upper(),
            "name": self.text(data, "name", required=True),
            "scope": self.text(data, "scope"),
            "legal_basis": self.text(data, "legal_basis"),
            "version": self.version(data),
            "grading_bands": self.bands(data.get("grading_bands")),
        }
        sections = self.listed(data, "sections", _("The sections must be a list."))
        clean["sections"] = [self.section(s, i) for i, s in enumerate(sections)]
        return clean

    def version(self, data: dict) -> int:
        version = data.get("version", 1)
        if version is None:
            return 1
        if not (isinstance(version, int) and not isinstance(version, bool) and version >= 1):
            self.problem(_("The version must be a whole number of at least 1."), field="version")
            return 1
        return version

    def bands(self, bands) -> list[dict]:
        if bands is None:
            return [dict(band) for band in DEFAULT_GRADING_BANDS]
        if not isinstance(bands, list) or not bands:
            self.problem(_("The grading bands must be a non-empty list."), field="grading_bands")
            return []
        clean = []
        for index, band in enumerate(bands):
            if not isinstance(band, dict):
                self.problem(_("A grading band needs a label and a minimum percentage."),
                             field="grading_bands", index=index)
                continue
            band_label = band.get("label")
            if not isinstance(band_label, str) or not band_label.strip():
                self.problem(_("The grading band has no label."), field="grading_bands", index=index)
                band_label = ""
            minimum = band.get("min_percent")
            if not _is_number(minimum) or not 0 <= minimum <= 100:
                self.problem(_("The minimum percentage of a grading band must be a number from 0 to 100."),
                             field="grading_bands", index=index)
            clean.append({"label": band_label.strip(), "min_percent": minimum})
        return clean

    def section(self, data, s: int) -> dict:
        if not isinstance(data, dict):
            self.problem(_("A section must be an object with its fields."), section=s)
            return {"code": "", "title": "", "par_area": None, "items": []}
        clean = {
            "code": self.text(data, "code", "section_code", section=s),
            "title": self.text(data, "title", required=True, section=s),
            "par_area": self.member(data, "par_area", ParArea, _('Unknown PAR INDEX area "%(value)s".'),
                                    default=None, section=s),
        }
        items = self.listed(data, "items", _("The items must be a list."), section=s)
        clean["items"] = [self.item(item, s, i) for i, item in enumerate(items)]
        return clean

    def item(self, data, s: int, i: int) -> dict:
        if not isinstance(data, dict):
            self.problem(_("An item must be an object with its fields."), section=s, item=i)
            return {}
        where = {"section": s, "item": i}
        before = len(self.problems)
        clean = {key: self.text(data, key, **where) for key in ITEM_TEXT_KEYS}
        clean["legal_basis_unverified"] = self.flag(
            data, "legal_basis_unverified", _("\"Legal basis to be checked\" must be true or false."), **where)
        clean["answer_type"] = self.member(data, "answer_type", AnswerType, _('Unknown answer type "%(value)s".'),
                                           **where)
        clean["target_operator"] = self.member(data, "target_operator", TargetOperator,
                                               _('Unknown comparison "%(value)s".'), default=None, **where)
        clean["evidence_required"] = self.member(data, "evidence_required", EvidenceRule,
                                                 _('Unknown evidence rule "%(value)s".'),
                                                 default=EvidenceRule.NEVER, **where)
        clean["default_severity"] = self.member(data, "default_severity", Severity,
                                                _('Unknown severity "%(value)s".'), default=Severity.MINOR, **where)
        clean["target_value"] = self.number(data, "target_value", None,
                                            _('The target value "%(value)s" is not a number.'), **where)
        clean["weight"] = self.number(data, "weight", 1.0, _('The weight "%(value)s" is not a number.'), **where)
        clean["choices"] = self.choices(data, **where)
        self.editor_rules(clean, self.problems[before:], where)
        return clean

    def editor_rules(self, clean: dict, reported: list[Problem], where: dict) -> None:
        """The editor's rules (item_problems), except on fields already reported; a target and its
        operator count as one."""
        spoilt = {p.field for p in reported}
        if "target_value" in spoilt or "target_operator" in spoilt:
            spoilt |= {"target_value", "target_operator"}
        for field, message in item_problems(clean):
            if field not in spoilt:
                self.problem(message, field=field, **where)

    def choices(self, data: dict, **where) -> list[dict]:
        clean, seen = [], set()
        for number, choice in enumerate(self.listed(data, "choices", _("The choices must be a list."), **where),
                                        start=1):
            checked = self.choice(choice, number, **where)
            if checked is None:
                continue
            if checked["value"] in seen:
                self.problem(_('Choice value "%(value)s" appears twice.', value=checked["value"]),
                             field="choices", **where)
            seen.add(checked["value"])
            clean.append(checked)
        return clean

    def choice(self, choice, number: int, **where) -> Optional[dict]:
        """One choice, stripped, or None when it cannot be used (then a problem)."""
        if not isinstance(choice, dict):
            self.problem(_("Choice %(number)d needs a value, a label and whether it passes.", number=number),
                         field="choices", **where)
            return None
        value, text, passes = choice.get("value"), choice.get("label"), choice.get("passes")
        if not isinstance(value, str) or not value.strip() or re.search(r"[=;\n]", value):
            self.problem(_("Choice %(number)d needs a value without \"=\", \";\" or line breaks.",
                           number=number), field="choices", **where)
            return None
        if not isinstance(text, str) or not text.strip() or "\n" in text.strip():
            self.problem(_("Choice %(number)d needs a label on one line.", number=number),
                         field="choices", **where)
            return None
        if passes not in (True, False, None):
            self.problem(_("Choice %(number)d: \"passes\" must be true, false or null.", number=number),
                         field="choices", **where)
            return None
        return {"value": value.strip(), "label": text.strip(), "passes": passes}


def json_place(template_name: str) -> Callable[[Problem], str]:
    """Formats a problem's place as in a JSON file: template, section and item numbers (1-based)."""

    def place(problem: Problem) -> str:
        if problem.item is not None:
            return _("Template %(template)s, section %(section)d, item %(item)d: %(message)s",
                     template=template_name, section=problem.section + 1, item=problem.item + 1,
                     message=problem.message)
        if problem.section is not None:
            return _("Template %(template)s, section %(section)d: %(message)s",
                     template=template_name, section=problem.section + 1, message=problem.message)
        if problem.index is not None:
            return _("Template %(template)s, grading band %(band)d: %(message)s",
                     template=template_name, band=problem.index + 1, message=problem.message)
        return _("Template %(template)s: %(message)s", template=template_name, message=problem.message)

    return place


def _check(data) -> tuple[Optional[dict], list[Problem]]:
    checker = _Checker()
    clean = checker.template(data)
    return clean, checker.problems


def validate_template(data: dict, place: Optional[Callable[[Problem], str]] = None) -> list[str]:
    """Every problem of one template dict (export format), one message each; [] when it is fine.

    `place` turns a Problem into the message shown to the user; by default the JSON place
    ("Template KTCV, section 2, item 3: …").
    """
    _clean, problems = _check(data)
    if place is None:
        family = data.get("family") if isinstance(data, dict) else None
        place = json_place(family.strip() if isinstance(family, str) and family.strip() else "#1")
    return [place(problem) for problem in problems]


# --- writing -------------------------------------------------------------------------------------

def _build(clean: dict, version: int) -> ChecklistTemplate:
    template = ChecklistTemplate(
        family=clean["family"], version=version, name=clean["name"], scope=clean["scope"],
        legal_basis=clean["legal_basis"], grading_bands=clean["grading_bands"], status=TemplateStatus.DRAFT,
    )
    for s, section in enumerate(clean["sections"]):
        new_section = ChecklistSection(position=s, code=section["code"], title=section["title"],
                                       par_area=section["par_area"])
        new_section.items = [ChecklistItem(position=i, **{key: item[key] for key in ITEM_KEYS})
                             for i, item in enumerate(section["items"])]
        template.sections.append(new_section)
    return template


def _save(actor: Optional[User], cleans: list[dict]) -> list[ChecklistTemplate]:
    """Add the (checked) templates as new drafts with their audit events; the caller commits."""
    highest: dict[str, Optional[int]] = {}
    templates = []
    for clean in cleans:
        family = clean["family"]
        if family not in highest:
            if db.session.scalar(sa.select(ChecklistTemplate.id).where(
                    ChecklistTemplate.family == family, ChecklistTemplate.status == TemplateStatus.DRAFT).limit(1)):
                db.session.rollback()
                raise ImportFailed([_("Checklist %(family)s already has a draft version; publish or delete it "
                                      "before importing another.", family=family)])
            highest[family] = db.session.scalar(
                sa.select(sa.func.max(ChecklistTemplate.version)).where(ChecklistTemplate.family == family))
        version = clean["version"] if highest[family] is None else highest[family] + 1
        highest[family] = version
        template = _build(clean, version)
        db.session.add(template)
        changes = audit.diff({}, audit.snapshot(template, AUDIT_FIELDS))
        changes["items"] = [None, len(template.items)]
        audit.record(actor, "import", template, label(template), changes)
        templates.append(template)
    return templates


# --- JSON import ---------------------------------------------------------------------------------

def _read_json(data: bytes) -> list:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ImportFailed([_("The file must be saved as UTF-8.")])
    except json.JSONDecodeError as error:
        raise ImportFailed([_("The file is not valid JSON (line %(line)d, column %(column)d).",
                              line=error.lineno, column=error.colno)])
    except RecursionError:  # nested deeper than Python's parser goes; a checklist is four levels deep
        raise ImportFailed([_("The file is nested too deeply to be a checklist.")])
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportFailed([_("This is not a checklist file exported by Kiểm Tra.")])
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= FORMAT_VERSION:
        raise ImportFailed([_("This checklist file has format version %(version)s; this program reads version "
                              "%(supported)d.", version=version, supported=FORMAT_VERSION)])
    templates = document.get("templates")
    if not isinstance(templates, list) or not templates:
        raise ImportFailed([_("The file contains no templates.")])
    return templates


def _check_json(templates: list) -> list[dict]:
    errors, cleans = [], []
    for number, data in enumerate(templates, start=1):
        clean, problems = _check(data)
        family = clean["family"] if clean and clean["family"] else f"#{number}"
        errors += [json_place(family)(p) for p in problems]
        cleans.append(clean)
    if errors:
        raise ImportFailed(errors)
    return cleans


def import_json(actor: Optional[User], data: bytes) -> list[ChecklistTemplate]:
    """Import every template of a JSON export as a new draft; any problem imports nothing."""
    cleans = _check_json(_read_json(data))
    templates = _save(actor, cleans)
    db.session.commit()
    return templates


# --- Excel import --------------------------------------------------------------------------------

def _cell_number(value):
    """A number, None for an empty cell, or the text as it was (the checker reports it)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return text


def parse_choices(text: str) -> tuple[list[dict], list[str]]:
    """The choices written by encode_choices, and a message for every line that cannot be read."""
    parts = text.split("\n") if "\n" in text else text.split(";")
    choices, problems = [], []
    for number, part in enumerate((p.strip() for p in parts), start=1):
        if not part:
            continue
        if part.count("=") < 2:
            problems.append(_('Choice %(number)d: write "value=label=passes".', number=number))
            continue
        value, rest = part.split("=", 1)
        choice_label, passes = rest.rsplit("=", 1)
        key = passes.strip().lower()
        if key not in PASSES_IN:
            problems.append(_('Choice %(number)d: "passes" must be "đạt", "không đạt" or "kad".', number=number))
            continue
        choices.append({"value": value.strip(), "label": choice_label.strip(), "passes": PASSES_IN[key]})
    return choices, problems


def import_xlsx(actor: Optional[User], data: bytes) -> ChecklistTemplate:
    """Import one template from an Excel workbook made by export_xlsx (or filled in by hand) as a new
    draft. Every problem is named by row and column; any problem imports nothing."""
    info_sheet, items_sheet = _sheets(open_workbook(data))
    rows = read_table(items_sheet.iter_rows(values_only=True), TABLE_COLUMNS)
    template, info_rows, info_problems = _read_info_sheet(info_sheet) if info_sheet is not None else ({}, {}, [])
    problems = Problems(info_problems)
    sections, section_rows, item_rows = _read_sections(rows, problems)
    template["sections"] = sections
    clean, found = _check(template)
    place = _sheet_place(section_rows, item_rows, info_rows)
    problems.messages += [place(problem) for problem in found]
    if not sections:
        problems.add(_("The file has no data rows."))
    problems.raise_any()
    imported = _save(actor, [clean])[0]
    db.session.commit()
    return imported


def _sheets(book) -> tuple:
    """The "Thông tin" sheet (or None) and the items sheet: the first other one."""
    info_sheet = next((s for s in book.worksheets if s.title.strip().lower() == INFO_SHEET.lower()), None)
    item_sheets = [s for s in book.worksheets if s is not info_sheet]
    if not item_sheets:
        raise ImportFailed([_("The workbook has no sheet of items.")])
    return info_sheet, item_sheets[0]


def _read_info_sheet(sheet) -> tuple[dict, dict, list[str]]:
    """(template dict fields, field -> row number, problems) from the "Thông tin" sheet."""
    by_header = {header.lower(): key for key, header in INFO_KEYS} | {key: key for key, _h in INFO_KEYS}
    data, rows, problems, bands = {}, {}, [], []
    for number, raw in enumerate(sheet.iter_rows(values_only=True), start=1):
        raw = list(raw) + [None] * 3
        key = cell_text(raw[0]).lower()
        if not key or (number == 1 and key == INFO_HEADER[0].lower()):
            continue
        if key in (BAND_KEY.lower(), "grading_band"):
            rows.setdefault("grading_bands", number)
            bands.append((number, {"label": cell_text(raw[1]), "min_percent": _cell_number(raw[2])}))
        elif key in by_header:
            field = by_header[key]
            rows[field] = number
            if field == "version":
                version = _cell_number(raw[1])
                data[field] = int(version) if _is_number(version) and float(version).is_integer() else version
            else:
                data[field] = "" if raw[1] is None else str(raw[1])
        else:
            problems.append(_('Sheet "%(sheet)s", row %(row)d: unknown field "%(field)s".',
                              sheet=INFO_SHEET, row=number, field=cell_text(raw[0])))
    if bands:
        data["grading_bands"] = [band for _n, band in bands]
        rows["band_rows"] = [n for n, _b in bands]
    return data, rows, problems


def _read_sections(rows: list[TableRow], problems: Problems) -> tuple[list[dict], list[int], list[list[int]]]:
    """The items sheet's rows as sections of items: consecutive rows with the same section columns form one
    section. Returns the sections, each section's row and each of its items' rows (to place problems)."""
    sections, section_rows, item_rows = [], [], []
    previous = None
    for row in rows:
        key = tuple(cell_text(row.cells.get(header)) for _k, header in SECTION_COLUMNS)
        if key != previous or not sections:
            sections.append({"code": key[0], "title": key[1], "par_area": key[2].lower() or None, "items": []})
            section_rows.append(row.number)
            item_rows.append([])
            previous = key
        if any(cell_text(row.cells.get(header)) for _k, header in ITEM_COLUMNS):
            sections[-1]["items"].append(_read_item(row, problems))
            item_rows[-1].append(row.number)
    return sections, section_rows, item_rows


def _read_item(row: TableRow, problems: Problems) -> dict:
    """One item in the export format from its row; the cells this cannot read become problems, the rest
    is left to the checker."""
    def text(header):
        return cell_text(row.cells.get(header))

    item = {key: text(header) for key, header in ITEM_COLUMNS if key in ITEM_TEXT_KEYS}
    flag = text("Căn cứ cần đối chiếu").lower()
    if flag not in ("", "x"):
        problems.at(row.number, "Căn cứ cần đối chiếu", _('Write "x" or leave the cell empty.'))
    item["legal_basis_unverified"] = flag == "x"
    item["answer_type"] = text("Kiểu trả lời").lower()
    operator = text("Toán tử")
    item["target_operator"] = OPERATOR_ALIASES.get(operator, operator) or None
    item["target_value"] = _cell_number(row.cells.get("Chỉ tiêu"))
    item["weight"] = _cell_number(row.cells.get("Trọng số"))
    for key, header in (("evidence_required", "Yêu cầu minh chứng"), ("default_severity", "Mức độ mặc định")):
        if text(header):
            item[key] = text(header).lower()
    choices, choice_problems = parse_choices(text("Lựa chọn"))
    for message in choice_problems:
        problems.at(row.number, "Lựa chọn", message)
    item["choices"] = choices
    return item


def _sheet_place(section_rows: list[int], item_rows: list[list[int]], info_rows: dict) -> Callable[[Problem], str]:
    """Formats a problem's place in the workbook: row and column of the items sheet, or the info sheet's row."""
    columns = dict(SECTION_COLUMNS) | {"section_code": "Mã phần"}
    item_columns = dict(ITEM_COLUMNS)

    def place(problem: Problem) -> str:
        if problem.item is not None:
            return at_cell(item_rows[problem.section][problem.item],
                           item_columns.get(problem.field, "Nội dung kiểm tra"), problem.message)
        if problem.section is not None:
            return at_cell(section_rows[problem.section], columns.get(problem.field, "Tên phần"), problem.message)
        row = info_rows.get(problem.field)
        if problem.index is not None and problem.index < len(info_rows.get("band_rows", [])):
            row = info_rows["band_rows"][problem.index]
        if row:
            return _('Sheet "%(sheet)s", row %(row)d: %(message)s', sheet=INFO_SHEET, row=row,
                     message=problem.message)
        return _('Sheet "%(sheet)s": %(message)s', sheet=INFO_SHEET, message=problem.message)

    return place


# --- seed ----------------------------------------------------------------------------------------

def load_seed(actor: Optional[User] = None) -> int:
    """Import and publish the templates of app/seed/checklists.json whose family does not exist yet.

    Idempotent; returns how many templates were added.
    """
    cleans = _check_json(_read_json(SEED_FILE.read_bytes()))
    existing = set(db.session.scalars(sa.select(ChecklistTemplate.family).distinct()))
    cleans = [clean for clean in cleans if clean["family"] not in existing]
    templates = _save(actor, cleans)
    for template in templates:
        publish(actor, template)
    db.session.commit()
    return len(templates)
