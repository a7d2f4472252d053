"""The unit registry: create, edit, move, deactivate, succession and file import."""
import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from app.extensions import db
from app.models import Unit, UnitKind, User
from app.services import audit, findings, follow_ups
from app.services.errors import ImportFailed, ValidationFailed
from app.services.xlsx_tables import Column, Problems, at_cell, cell_text, open_workbook, read_table

UNIT_FIELDS = ("code", "name", "kind", "parent_id", "active", "valid_from", "valid_to", "successor_id")


def label(unit: Unit) -> str:
    return f"{unit.code} — {unit.name}"


def descendant_ids(unit: Unit) -> set[int]:
    """Ids below `unit` as stored (pending changes are not flushed); UNION stops even on a cycle."""
    tree = sa.select(Unit.id).where(Unit.parent_id == unit.id).cte("below", recursive=True)
    tree = tree.union(sa.select(Unit.id).where(Unit.parent_id == tree.c.id))
    with db.session.no_autoflush:
        return set(db.session.scalars(sa.select(tree.c.id)))


def _validate(unit: Unit) -> None:
    unit.code = unit.code.strip().upper()
    unit.name = unit.name.strip()
    with db.session.no_autoflush:
        clash = db.session.scalar(sa.select(Unit.id).where(Unit.code == unit.code, Unit.id != (unit.id or 0)))
    if clash:
        raise ValidationFailed("code", _("Another unit already has this code."))
    if unit.parent_id is not None:
        if unit.id is not None and (unit.parent_id == unit.id or unit.parent_id in descendant_ids(unit)):
            raise ValidationFailed("parent_id", _("A unit cannot be placed under itself or its own sub-unit."))
    if unit.valid_from and unit.valid_to and unit.valid_to < unit.valid_from:
        raise ValidationFailed("valid_to", _("The end date is before the start date."))


def _save(actor: User, unit: Unit, action: str, before: dict) -> Unit:
    try:
        _validate(unit)
    except ValidationFailed:
        db.session.rollback()
        raise
    db.session.add(unit)
    changes = audit.diff(before, audit.snapshot(unit, UNIT_FIELDS))
    if changes or action == "create":
        audit.record(actor, action, unit, label(unit), changes)
    db.session.commit()
    return unit


def create_unit(actor: User, **fields) -> Unit:
    return _save(actor, Unit(active=True, **fields), "create", {})


def update_unit(actor: User, unit: Unit, **fields) -> Unit:
    before = audit.snapshot(unit, UNIT_FIELDS)
    for name, value in fields.items():
        setattr(unit, name, value)
    return _save(actor, unit, "update", before)


def move_unit(actor: User, unit: Unit, parent: Unit | None) -> Unit:
    before = audit.snapshot(unit, UNIT_FIELDS)
    unit.parent_id = parent.id if parent else None
    return _save(actor, unit, "move", before)


def set_unit_active(actor: User, unit: Unit, active: bool) -> Unit:
    if active and unit.successor_id is not None:
        raise ValidationFailed(None, _("A unit taken over by a successor cannot be activated again."))
    before = audit.snapshot(unit, UNIT_FIELDS)
    unit.active = active
    return _save(actor, unit, "activate" if active else "deactivate", before)


def has_history(unit: Unit) -> bool:
    """A unit with sub-units, users or a part in a succession is kept (deactivated, never deleted)."""
    checks = [
        sa.select(Unit.id).where(sa.or_(Unit.parent_id == unit.id, Unit.successor_id == unit.id)),
        sa.select(User.id).where(User.unit_id == unit.id),
    ]
    return unit.successor_id is not None or any(db.session.scalar(q.limit(1)) for q in checks)


def delete_unit(actor: User, unit: Unit) -> None:
    if has_history(unit):
        raise ValidationFailed(None, _("This unit has history (sub-units, users or succession); deactivate it instead."))
    audit.record(actor, "delete", unit, label(unit), audit.diff(audit.snapshot(unit, UNIT_FIELDS), {}))
    db.session.delete(unit)
    db.session.commit()


def succeed_unit(actor: User, unit: Unit, successor: Unit, on_date: date) -> Unit:
    """Mark `unit` as taken over by `successor` from `on_date` (merger, split or renaming).

    The unit keeps its rows and history; it becomes inactive and its validity ends the day before.
    For a split, the successor is the unit that takes over the old unit's obligations.
    """
    if successor.id == unit.id:
        raise ValidationFailed("successor_id", _("A unit cannot succeed itself."))
    if not successor.active:
        raise ValidationFailed("successor_id", _("The successor must be an active unit."))
    if unit.successor_id is not None:
        raise ValidationFailed("successor_id", _("This unit already has a successor."))
    chain = successor
    while chain is not None:  # following successors must never lead back here
        if chain.id == unit.id:
            raise ValidationFailed("successor_id", _("This would make a circle of successors."))
        chain = chain.successor
    if unit.valid_from and on_date <= unit.valid_from:
        raise ValidationFailed("on_date", _("The date must be after the unit's start date."))
    before = audit.snapshot(unit, UNIT_FIELDS)
    unit.successor_id = successor.id
    unit.valid_to = on_date - timedelta(days=1)
    unit.active = False
    # Open findings, tasks and remediation items go too, in the same transaction, each with an event.
    findings.move_to_successor(actor, unit, successor)
    follow_ups.move_to_successor(actor, unit, successor)
    return _save(actor, unit, "succeed", before)


# --- import ------------------------------------------------------------------------------------

COLUMNS = (
    Column("code", "Mã", ("code", "mã đơn vị"), required=True),
    Column("name", "Tên", ("name", "tên đơn vị"), required=True),
    Column("kind", "Loại", ("kind", "loại đơn vị"), required=True),
    Column("parent_code", "Mã đơn vị cấp trên", ("parent_code", "parent", "mã cấp trên", "cấp trên")),
)
COLUMN = {column.key: column for column in COLUMNS}


@dataclass
class ImportRow:
    number: int  # the row number the user sees in the spreadsheet, header = 1
    values: dict  # column key → stripped text, for the columns the file has


def read_unit_file(filename: str, data: bytes) -> list[ImportRow]:
    """Rows of a .csv (UTF-8, comma or semicolon) or .xlsx file, keyed by our column names."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        raw_rows = open_workbook(data, read_only=True).worksheets[0].iter_rows(values_only=True)
    elif name.endswith(".csv"):
        raw_rows = _csv_rows(data)
    else:
        raise ImportFailed([_("Choose a .xlsx or .csv file.")])
    return [ImportRow(row.number, {key: cell_text(value) for key, value in row.cells.items()})
            for row in read_table(raw_rows, COLUMNS)]


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed([_("The CSV file must be saved as UTF-8.")])
    dialect = csv.excel
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        pass
    return list(csv.reader(io.StringIO(text), dialect))


def _kind_lookup() -> dict[str, UnitKind]:
    lookup = {kind.value: kind for kind in UnitKind}
    for locale in ("vi", "en"):
        with force_locale(locale):
            lookup.update({kind.label.lower(): kind for kind in UnitKind})
    return lookup


def import_units(actor: User, rows: list[ImportRow]) -> tuple[int, int]:
    """Create or update units by code. All rows are checked first; any problem imports nothing.

    A parent may be an existing unit or another row of the same file.
    Returns (created, updated), where updated counts existing units that actually changed.
    """
    kinds = _kind_lookup()
    existing = {u.code: u for u in db.session.scalars(sa.select(Unit))}
    _check_rows(rows, kinds, existing)
    units = dict(existing)
    created = _write_units(rows, kinds, units)
    _set_parents(rows, units)
    updated = _record_imported(actor, rows, units)
    db.session.commit()
    return created, updated


def _check_rows(rows: list[ImportRow], kinds: dict[str, UnitKind], existing: dict[str, Unit]) -> None:
    """Every problem of the rows, named by row and column; raises ImportFailed when there is one."""
    problems = Problems()
    file_codes: dict[str, int] = {}
    for row in rows:
        v = row.values
        code = v["code"].upper()
        if not code:
            problems.at(row.number, COLUMN["code"], _("the code is empty."))
        elif len(code) > 32:
            problems.at(row.number, COLUMN["code"], _("the code is longer than 32 characters."))
        elif code in file_codes:
            problems.at(row.number, COLUMN["code"], _("code %(code)s already appears on row %(other)d.",
                                                      code=code, other=file_codes[code]))
        else:
            file_codes[code] = row.number
        if not v["name"]:
            problems.at(row.number, COLUMN["name"], _("the name is empty."))
        elif len(v["name"]) > 255:
            problems.at(row.number, COLUMN["name"], _("the name is longer than 255 characters."))
        if v["kind"].lower() not in kinds:
            problems.at(row.number, COLUMN["kind"], _("unknown kind \"%(kind)s\".", kind=v["kind"]))
    for row in rows:
        parent = row.values.get("parent_code", "").upper()
        if parent and parent not in existing and parent not in file_codes:
            problems.at(row.number, COLUMN["parent_code"], _("parent unit %(code)s does not exist.", code=parent))
        if parent and parent == row.values["code"].upper():
            problems.at(row.number, COLUMN["parent_code"], _("a unit cannot be its own parent."))
    if not rows:
        problems.add(_("The file has no data rows."))
    problems.raise_any()


def _write_units(rows: list[ImportRow], kinds: dict[str, UnitKind], units: dict[str, Unit]) -> int:
    """Create or update every row's unit (parents come next, once all exist); returns how many are new."""
    created = 0
    for row in rows:
        v = row.values
        code = v["code"].upper()
        unit = units.get(code)
        fields = {"name": v["name"], "kind": kinds[v["kind"].lower()]}
        if unit is None:
            unit = units[code] = Unit(code=code, active=True, **fields)
            db.session.add(unit)
            row.values["_before"] = {}
            created += 1
        else:
            row.values["_before"] = audit.snapshot(unit, UNIT_FIELDS)
            unit.name, unit.kind = fields["name"], fields["kind"]
    db.session.flush()
    return created


def _set_parents(rows: list[ImportRow], units: dict[str, Unit]) -> None:
    for row in rows:
        if "parent_code" not in row.values:
            continue  # no parent column in the file: parents stay as they are
        unit = units[row.values["code"].upper()]
        parent_code = row.values["parent_code"].upper()
        unit.parent_id = units[parent_code].id if parent_code else None
    db.session.flush()


def _record_imported(actor: User, rows: list[ImportRow], units: dict[str, Unit]) -> int:
    """Refuse a cycle of parents, then an audit event per changed unit; returns how many existing units changed."""
    updated = 0
    for row in rows:
        unit = units[row.values["code"].upper()]
        if unit.parent_id and unit.parent_id in descendant_ids(unit) | {unit.id}:
            db.session.rollback()
            raise ImportFailed([at_cell(row.number, COLUMN["parent_code"].header,
                                        _("a unit cannot be placed under its own sub-unit."))])
        before = row.values["_before"]
        changes = audit.diff(before, audit.snapshot(unit, UNIT_FIELDS))
        if changes:
            audit.record(actor, "import", unit, label(unit), changes)
            updated += bool(before)
    return updated
