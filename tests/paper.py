"""What a laid-out document (app.documents.output.laid_out) must never do: a line that runs out of its
table cell or past the page's right margin."""
from weasyprint.formatting_structure.boxes import TableCellBox, TextBox

from app.documents.output import PAGE_MARGINS_MM

PX_PER_MM = 96 / 25.4  # WeasyPrint lays out in CSS pixels


def _walk(box, cell=None):
    if isinstance(box, TableCellBox):
        cell = box
    yield box, cell
    for child in getattr(box, "children", []):
        yield from _walk(child, cell)


def overflowing_lines(laid_out) -> list[str]:
    """The texts of the lines that end past their cell's content or the page's right margin."""
    found = []
    for page in laid_out.pages:
        margin = page.width - PAGE_MARGINS_MM["right"] * PX_PER_MM
        for box, cell in _walk(page._page_box):
            if not isinstance(box, TextBox):
                continue
            right = min(margin, cell.content_box_x() + cell.width) if cell is not None else margin
            if box.position_x + box.width > right + 0.5:
                found.append(box.text)
    return found
