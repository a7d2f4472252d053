"""Tables read from imported spreadsheets: header names mapped to columns, problems named by row and column.

The units import (.xlsx or .csv) and the checklists' Excel import share it, so a bad file gets the same
messages from both: "Dòng 3, cột "Mã": …". Rows are numbered as the user sees them, the header being row 1.
"""
import io
from dataclasses import dataclass
from typing import Iterable, Sequence

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook

from app.services.errors import ImportFailed


@dataclass(frozen=True)
class Column:
    key: str  # the name the importer uses
    header: str  # the header our files and help pages use; problems name the column by it
    aliases: tuple[str, ...] = ()  # other headers accepted, in lower case
    required: bool = False

    def matches(self, header) -> bool:
        text = cell_text(header).lower()
        return text == self.header.lower() or text in self.aliases


@dataclass
class TableRow:
    number: int  # the row number the user sees in the spreadsheet, header = 1
    cells: dict  # column key → the value as read (None when empty); only the columns the file has


def cell_text(value) -> str:
    """A cell as stripped text: "" for an empty cell, 12 for a whole number Excel stored as 12.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def open_workbook(data: bytes, read_only: bool = False) -> Workbook:
    try:
        return load_workbook(io.BytesIO(data), read_only=read_only, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise ImportFailed([_("The file is not a readable Excel (.xlsx) workbook.")])


def read_table(rows: Iterable[Sequence], columns: Sequence[Column]) -> list[TableRow]:
    """The non-empty rows under the header row, their cells keyed by column; refuses a file without rows
    or without a required column (the first column with a matching header counts)."""
    rows = iter(rows)
    header = next(rows, None)
    if header is None:
        raise ImportFailed([_("The file is empty.")])
    found = _find_columns(header, columns)
    missing = [column.header for column in columns if column.required and column.key not in found]
    if missing:
        raise ImportFailed([_("Row 1: missing column(s) %(columns)s.", columns=", ".join(missing))])
    table = []
    for number, raw in enumerate(rows, start=2):
        cells = {key: (raw[index] if index < len(raw) else None) for key, index in found.items()}
        if any(cell_text(value) for value in cells.values()):
            table.append(TableRow(number, cells))
    return table


def _find_columns(header: Sequence, columns: Sequence[Column]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, text in enumerate(header):
        column = next((c for c in columns if c.matches(text)), None)
        if column is not None and column.key not in found:
            found[column.key] = index
    return found


def at_cell(row: int, column: str, message) -> str:
    """A problem's message with its place: 'Row 3, column "Mã": …' (in the user's language)."""
    return _('Row %(row)d, column "%(column)s": %(message)s', row=row, column=column, message=message)


class Problems:
    """The problems found in one file; `raise_any()` refuses the whole file when there is one."""

    def __init__(self, messages: Iterable[str] = ()):
        self.messages = list(messages)

    def at(self, row: int, column: Column | str, message) -> None:
        self.messages.append(at_cell(row, column.header if isinstance(column, Column) else column, message))

    def add(self, message) -> None:
        self.messages.append(str(message))

    def raise_any(self) -> None:
        if self.messages:
            raise ImportFailed(self.messages)
