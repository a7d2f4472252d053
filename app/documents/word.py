"""The Word file of a document (python-docx), from the same data as the HTML: A4, the decree's
margins, Times New Roman 13–14 pt, the header block as a borderless two-column table, page numbers
centred at the top from the second page on."""
import io

from docx import Document as WordDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from app.documents.output import PAGE_MARGINS_MM
from app.formatting import document_number_filter as count

CENTER, JUSTIFY, LEFT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.LEFT
CONTENT_WIDTH_MM = 210 - PAGE_MARGINS_MM["left"] - PAGE_MARGINS_MM["right"]


def _set_font(style_or_run, name: str, size: float | None = None) -> None:
    """Name the font for every script Word knows (ASCII, Vietnamese is "hAnsi", East Asian, complex)."""
    font = style_or_run.font
    font.name = name
    if size:
        font.size = Pt(size)
    element = style_or_run.element
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)


class Writer:
    def __init__(self, font: str):
        self.font = font
        self.doc = WordDocument()
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin = Mm(PAGE_MARGINS_MM["top"])
        section.bottom_margin = Mm(PAGE_MARGINS_MM["bottom"])
        section.left_margin = Mm(PAGE_MARGINS_MM["left"])
        section.right_margin = Mm(PAGE_MARGINS_MM["right"])
        section.header_distance = Mm(10)
        normal = self.doc.styles["Normal"]
        _set_font(normal, font, 14)
        normal.paragraph_format.space_before = Pt(0)
        normal.paragraph_format.space_after = Pt(6)
        normal.paragraph_format.line_spacing = 1.15
        self._page_numbers(section)

    def _page_numbers(self, section) -> None:
        """A centred PAGE field in the header; the first page has its own, empty header."""
        section.different_first_page_header_footer = True
        paragraph = section.header.paragraphs[0]
        paragraph.alignment = CENTER
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), "PAGE")
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = "2"
        run.append(text)
        field.append(run)
        paragraph._p.append(field)
        for r in paragraph.runs:
            _set_font(r, self.font, 13)

    # --- pieces ----------------------------------------------------------------------------------

    def para(self, text: str = "", *, container=None, align=JUSTIFY, size: float = 14, bold=False, italic=False,
             underline=False, indent=True, upper=False, space_after: float | None = None, space_before: float = 0):
        container = container or self.doc
        paragraph = container.add_paragraph()
        paragraph.alignment = align
        fmt = paragraph.paragraph_format
        fmt.first_line_indent = Cm(1) if indent and align == JUSTIFY else None
        fmt.space_before = Pt(space_before)
        if space_after is not None:
            fmt.space_after = Pt(space_after)
        if text:
            self.run(paragraph, text.upper() if upper else text, size=size, bold=bold, italic=italic,
                     underline=underline)
        return paragraph

    def run(self, paragraph, text: str, *, size: float = 14, bold=False, italic=False, underline=False):
        run = paragraph.add_run(text)
        _set_font(run, self.font, size)
        run.bold, run.italic, run.underline = bold or None, italic or None, underline or None
        return run

    def rule(self, container, width_fraction: float, column_mm: float) -> None:
        """A short centred line: an empty paragraph with a bottom border, indented to the width wanted."""
        paragraph = container.add_paragraph()
        side = Mm(column_mm * (1 - width_fraction) / 2)
        fmt = paragraph.paragraph_format
        fmt.left_indent, fmt.right_indent = side, side
        fmt.space_before, fmt.space_after = Pt(0), Pt(0)
        fmt.line_spacing = Pt(2)
        borders = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
            bottom.set(qn(key), value)
        borders.append(bottom)
        paragraph._p.get_or_add_pPr().append(borders)

    def table(self, rows: int, widths_mm: list[float], grid: bool = True):
        """A table of fixed column widths. Word lays a table out from its cells' widths, LibreOffice from
        the grid (w:tblGrid) and the table's width and layout, which python-docx leaves as equal columns
        and "auto": all of them are set here from `widths_mm`, so both draw the columns asked for. The
        cells are padded as on paper: 2 pt × 4 pt in a grid, nothing in a borderless layout table (the
        header block, signatures, photos)."""
        table = self.doc.add_table(rows=rows, cols=len(widths_mm))
        if grid:
            table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False  # w:tblLayout fixed
        widths = [Mm(width) for width in widths_mm]
        properties = table._tbl.tblPr
        table_width = properties.find(qn("w:tblW"))
        table_width.set(qn("w:type"), "dxa")
        table_width.set(qn("w:w"), str(sum(width.twips for width in widths)))
        margins = OxmlElement("w:tblCellMar")
        for side, padding in (("top", 2), ("left", 4), ("bottom", 2), ("right", 4)):
            margin = OxmlElement(f"w:{side}")
            margin.set(qn("w:w"), str(Pt(padding if grid else 0).twips))
            margin.set(qn("w:type"), "dxa")
            margins.append(margin)
        properties.find(qn("w:tblLayout")).addnext(margins)  # the schema's order: layout, margins, look
        for column, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths):
            column.set(qn("w:w"), str(width.twips))
        for row in table.rows:
            for cell, width in zip(row.cells, widths):
                cell.width = width
        return table

    def cell(self, cell, text: str, *, align=LEFT, size: float = 13, bold=False, italic=False):
        paragraph = cell.paragraphs[0] if not cell.paragraphs[0].text and len(cell.paragraphs) == 1 \
            and not cell.paragraphs[0].runs else cell.add_paragraph()
        paragraph.alignment = align
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.paragraph_format.first_line_indent = None
        self.run(paragraph, text, size=size, bold=bold, italic=italic)
        return paragraph

    def heading(self, text: str, upper: bool = False):
        """A bold heading, kept on the page of what follows it (as the PDF keeps its h2 and h3)."""
        paragraph = self.para(text, bold=True, upper=upper, indent=False, align=LEFT, space_before=6, space_after=3)
        paragraph.paragraph_format.keep_with_next = True
        return paragraph

    def lines(self, text: str):
        for line in (text or "").splitlines():
            if line.strip():
                self.para(line.strip())


# --- the document --------------------------------------------------------------------------------

def _header(w: Writer, d: dict) -> None:
    left_mm, right_mm = CONTENT_WIDTH_MM * 0.40, CONTENT_WIDTH_MM * 0.60
    table = w.table(1, [left_mm, right_mm], grid=False)
    left, right = table.rows[0].cells
    if d["header"]["superior"]:
        w.cell(left, d["header"]["superior"].upper(), align=CENTER)
    w.cell(left, (d["header"]["issuer"] or "").upper(), align=CENTER, bold=True)
    w.rule(left, 0.35, left_mm)
    number = w.cell(left, f"Số: {d['number'] or '……/……'}", align=CENTER)
    number.paragraph_format.space_before = Pt(6)
    w.cell(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align=CENTER, size=12, bold=True)
    motto = w.cell(right, "", align=CENTER)
    w.run(motto, "Độc lập - Tự do - Hạnh phúc", size=13, bold=True, underline=True)
    date_line = w.cell(right, d["date_line"], align=CENTER, size=14, italic=True)
    date_line.paragraph_format.space_before = Pt(6)


NAMES = {"minutes": "Biên bản", "conclusion": "Thông báo", "plan": "Kế hoạch", "report": "Báo cáo"}


def _title(w: Writer, d: dict) -> None:
    w.para(NAMES[d["kind"]].upper(), align=CENTER, bold=True, space_before=12, space_after=0)
    w.para(d["texts"].get("summary") or "…", align=CENTER, bold=True, space_after=0)
    w.rule(w.doc, 0.25, CONTENT_WIDTH_MM)
    if d.get("corrects"):
        name = NAMES[d["kind"]]
        w.para(f"(Đính chính {name} số {d['corrects']['number']} ngày {d['corrects']['date']})", align=CENTER,
               italic=True)


def _scores(w: Writer, d: dict) -> None:
    widths = [12, CONTENT_WIDTH_MM - 12 - 38 - 25, 38, 25]
    table = w.table(len(d["sections"]) + 2, widths)
    for cell, text in zip(table.rows[0].cells, ("TT", "Nội dung kiểm tra", "Điểm đạt / tối đa", "Tỷ lệ (%)")):
        w.cell(cell, text, align=CENTER, bold=True)
    for n, section in enumerate(d["sections"], 1):
        cells = table.rows[n].cells
        w.cell(cells[0], str(n), align=CENTER)
        w.cell(cells[1], section["title"])
        w.cell(cells[2], f"{section['earned']} / {section['possible']}", align=CENTER)
        w.cell(cells[3], section["percent"], align=CENTER)
    cells = table.rows[-1].cells
    w.cell(cells[1], "Tổng cộng", bold=True)
    w.cell(cells[2], f"{d['score']['earned']} / {d['score']['possible']}", align=CENTER, bold=True)
    w.cell(cells[3], d["score"]["percent"], align=CENTER, bold=True)
    if d["score"]["grade"]:
        p = w.para("Xếp loại: ", space_before=6)
        w.run(p, d["score"]["grade"], bold=True)
        w.run(p, ".")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _minutes(w: Writer, d: dict, document_id: int) -> None:
    t, ins = d["texts"], d["inspection"]
    w.para(f"Căn cứ Quyết định số {ins['decision_number']} {ins['decision_date_words']} của {d['body']['name']} "
           f"về việc {_lower_first(ins['title'])};")
    for line in ins["legal_basis"]:
        w.para(line)
    w.para(f"Hôm nay, vào lúc {t.get('start_time') or '… giờ …'}, {d['date_words']}, tại {d['place'] or '…'}, "
           f"Đoàn kiểm tra tiến hành kiểm tra tại {ins['unit']}.")
    w.heading("I. THÀNH PHẦN")
    w.heading("1. Đoàn kiểm tra")
    for m in d["team"]:
        w.para(f"- Ông (bà) {m['name']}{', ' + m['title'] if m['title'] else ''} – {m['role']};", indent=False)
    w.heading(f"2. Đơn vị được kiểm tra: {ins['unit']}")
    for person in d["unit_side"] or ["…"]:
        w.para(f"- Ông (bà) {person};", indent=False)
    w.heading("II. NỘI DUNG KIỂM TRA")
    w.para(f"Đoàn kiểm tra đã kiểm tra theo {ins['template']}, gồm {ins['item_count']} tiêu chí, với kết quả theo "
           "từng nội dung như sau:")
    _scores(w, d)
    w.heading("III. KẾT QUẢ KIỂM TRA")
    w.heading("1. Nhận xét, đánh giá chung")
    w.lines(t.get("assessment") or "…")
    w.heading("2. Tồn tại, hạn chế")
    for n, f in enumerate(d["findings"], 1):
        code = f["code"] or f["item_code"]
        w.para(f"{n}. {'[' + code + '] ' if code else ''}{f['title']}"
               f"{': ' + f['description'] if f['description'] else ''} (mức độ: {f['severity'].lower()}).")
    if not d["findings"]:
        w.para("Không phát hiện tồn tại, hạn chế.")
    w.heading("3. Kiến nghị")
    for n, f in enumerate([f for f in d["findings"] if f["recommendation"]], 1):
        unit = f" ({f['unit']})" if f["unit"] != ins["unit"] else ""
        w.para(f"{n}. {f['recommendation']}{unit}.")
    w.lines(t.get("requests"))
    w.heading("IV. Ý KIẾN CỦA ĐƠN VỊ ĐƯỢC KIỂM TRA")
    w.lines(t.get("unit_opinion") or "…")
    copies, team = int(t.get("copies") or 0), int(t.get("copies_team") or 0)
    w.para(f"Buổi kiểm tra kết thúc vào lúc {t.get('end_time') or '… giờ …'} cùng ngày. Biên bản đã được đọc lại "
           "cho các thành phần tham dự cùng nghe, thống nhất và ký tên. Biên bản được lập thành "
           f"{copies:02d} bản có giá trị pháp lý như nhau, Đoàn kiểm tra giữ {team:02d} bản, đơn vị được kiểm "
           f"tra giữ {copies - team:02d} bản.")
    table = w.table(2, [CONTENT_WIDTH_MM / 2, CONTENT_WIDTH_MM / 2], grid=False)
    for column, (heading, title, name) in enumerate((
            ("ĐẠI DIỆN ĐƠN VỊ ĐƯỢC KIỂM TRA", t.get("unit_signer_title"), t.get("unit_signer_name")),
            ("TRƯỞNG ĐOÀN KIỂM TRA", d["lead"]["title"], d["lead"]["name"]))):
        w.cell(table.rows[0].cells[column], heading, align=CENTER, size=14, bold=True)
        if title:
            w.cell(table.rows[0].cells[column], title, align=CENTER, size=13, italic=True)
        signed = w.cell(table.rows[1].cells[column], name or "…", align=CENTER, size=14, bold=True)
        signed.paragraph_format.space_before = Pt(60)
    if d.get("secretary"):
        w.para("THƯ KÝ", align=CENTER, bold=True, space_before=12, space_after=0)
        w.para(d["secretary"]["name"], align=CENTER, bold=True, space_before=60)
    if d["photos"]:
        _photos(w, d)


def _photos(w: Writer, d: dict) -> None:
    from app.services import evidence

    w.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    w.para("PHỤ LỤC", align=CENTER, bold=True, space_after=0)
    w.para("HÌNH ẢNH MINH CHỨNG", align=CENTER, bold=True, space_after=0)
    w.para(f"(Kèm theo Biên bản kiểm tra số {d['number'] or '……'} {d['date_words']})", align=CENTER, italic=True)
    per_row = 3
    rows = (len(d["photos"]) + per_row - 1) // per_row
    table = w.table(rows, [CONTENT_WIDTH_MM / per_row] * per_row, grid=False)
    for n, photo in enumerate(d["photos"]):
        cell = table.rows[n // per_row].cells[n % per_row]
        picture = evidence.read_file(photo["sha"], thumbnail=True)
        paragraph = cell.paragraphs[0]
        paragraph.alignment = CENTER
        if picture is not None:
            paragraph.add_run().add_picture(io.BytesIO(picture), width=Mm(50))
        w.cell(cell, photo["caption"], align=CENTER, size=11)


def _conclusion(w: Writer, d: dict) -> None:
    t, ins = d["texts"], d["inspection"]
    minutes = f" (Biên bản kiểm tra số {d['minutes']['number']} {d['minutes']['date_words']})" if d.get("minutes") else ""
    w.para(f"Thực hiện Quyết định số {ins['decision_number']} {ins['decision_date_words']} của {d['body']['name']} "
           f"về việc {_lower_first(ins['title'])}, từ ngày {ins['start']} đến ngày {ins['end']}, Đoàn kiểm tra đã "
           f"tiến hành kiểm tra tại {ins['unit']}{minutes}.")
    w.para(f"Xét báo cáo của Đoàn kiểm tra, {d['body']['name']} thông báo kết luận kiểm tra như sau:")
    w.heading("1. KẾT QUẢ KIỂM TRA")
    _scores(w, d)
    w.lines(t.get("assessment"))
    w.heading("2. TỒN TẠI, HẠN CHẾ VÀ KIẾN NGHỊ")
    if d["findings"]:
        widths = [10, 60, 44, 26, CONTENT_WIDTH_MM - 140]  # the due date fits on one line
        table = w.table(len(d["findings"]) + 1, widths)
        for cell, text in zip(table.rows[0].cells, ("TT", "Tồn tại, hạn chế", "Kiến nghị", "Đơn vị thực hiện",
                                                    "Thời hạn")):
            w.cell(cell, text, align=CENTER, bold=True)
        for n, f in enumerate(d["findings"], 1):
            cells = table.rows[n].cells
            w.cell(cells[0], str(n), align=CENTER)
            if f["code"]:
                w.cell(cells[1], f["code"], bold=True)
            w.cell(cells[1], f["title"] + (": " + f["description"] if f["description"] else ""))
            w.cell(cells[2], f["recommendation"])
            w.cell(cells[3], f["unit"])
            w.cell(cells[4], f["due_date"], align=CENTER)
    else:
        w.para("Không có tồn tại, hạn chế phải khắc phục.")
    w.heading("3. YÊU CẦU")
    w.lines(t.get("requests"))
    w.para(f"Đề nghị {ins['unit']} tổ chức thực hiện các kiến nghị nêu trên, báo cáo kết quả khắc phục kèm minh "
           "chứng trên hệ thống Kiểm Tra trước thời hạn của từng kiến nghị.")
    _recipients_and_signer(w, d)


def _recipients_and_signer(w: Writer, d: dict) -> None:
    """Nơi nhận on the left, the signer's authority, title and name on the right."""
    t = d["texts"]
    table = w.table(1, [CONTENT_WIDTH_MM * 0.45, CONTENT_WIDTH_MM * 0.55], grid=False)
    left, right = table.rows[0].cells
    w.cell(left, "Nơi nhận:", size=12, bold=True, italic=True)
    for line in d["recipients"]:
        w.cell(left, f"- {line}", size=11)
    if t.get("signer_authority"):
        w.cell(right, t["signer_authority"].upper(), align=CENTER, size=14, bold=True)
    w.cell(right, (t.get("signer_title") or "…").upper(), align=CENTER, size=14, bold=True)
    signed = w.cell(right, t.get("signer_name") or "…", align=CENTER, size=14, bold=True)
    signed.paragraph_format.space_before = Pt(60)


# --- the plan ------------------------------------------------------------------------------------

# As the paper's plan tables (_paper.css): the dates "12/01/2026 – 13/01/2026" on one line.
PLAN_WIDTHS = [12, CONTENT_WIDTH_MM * 0.44, CONTENT_WIDTH_MM * 0.34, CONTENT_WIDTH_MM - 12 - CONTENT_WIDTH_MM * 0.78]


def _schedule(w: Writer, rows: list[dict], when: str = "Thời gian") -> None:
    table = w.table(len(rows) + 1, PLAN_WIDTHS)
    for cell, text in zip(table.rows[0].cells, ("TT", "Đơn vị được kiểm tra", when, "Bộ tiêu chí")):
        w.cell(cell, text, align=CENTER, bold=True)
    for n, row in enumerate(rows, 1):
        cells = table.rows[n].cells
        w.cell(cells[0], str(n), align=CENTER)
        w.cell(cells[1], row["unit"])
        w.cell(cells[2], f"{row['start']} – {row['end']}", align=CENTER)
        w.cell(cells[3], row["checklist"], align=CENTER)


def _moved(w: Writer, moved: list[dict]) -> None:
    unit_mm = CONTENT_WIDTH_MM * 0.25
    when_mm = (CONTENT_WIDTH_MM - 12 - unit_mm) / 2
    table = w.table(len(moved) + 1, [12, unit_mm, when_mm, when_mm])
    for cell, text in zip(table.rows[0].cells, ("TT", "Đơn vị được kiểm tra", "Theo kế hoạch", "Điều chỉnh")):
        w.cell(cell, text, align=CENTER, bold=True)
    for n, change in enumerate(moved, 1):
        cells = table.rows[n].cells
        w.cell(cells[0], str(n), align=CENTER)
        w.cell(cells[1], change["now"]["unit"])
        for cell, side in ((cells[2], change["before"]), (cells[3], change["now"])):
            w.cell(cell, f"{side['start']} – {side['end']}", align=CENTER)
            if change["before"]["checklist"] != change["now"]["checklist"]:
                w.cell(cell, side["checklist"], align=CENTER)


def _amendment(w: Writer, d: dict) -> None:
    amends, changes = d["amends"], d["changes"]
    w.para(f"{d['body']['name']} ban hành Kế hoạch điều chỉnh, bổ sung Kế hoạch số {amends['number']} "
           f"{amends['date_words']} như sau:")
    w.heading("I. NỘI DUNG ĐIỀU CHỈNH, BỔ SUNG")
    for heading, rows, draw in (("1. Bổ sung cuộc kiểm tra", changes["added"], _schedule),
                                ("2. Điều chỉnh thời gian, nội dung kiểm tra", changes["moved"], _moved),
                                ("3. Không tiến hành kiểm tra", changes["dropped"],
                                 lambda w, rows: _schedule(w, rows, "Thời gian theo kế hoạch"))):
        w.heading(heading)
        if rows:
            draw(w, rows)
        else:
            w.para("Không.")
    w.para(f"Các nội dung khác giữ nguyên theo Kế hoạch số {amends['number']} {amends['date_words']}.")
    w.heading("II. TỔ CHỨC THỰC HIỆN")
    w.lines(d["texts"].get("organisation"))


def _team_line(n: int, row: dict, body: str) -> str:
    team = "; ".join(f"{m['name']}{', ' + m['title'] if m['title'] else ''} – {m['role'].lower()}" for m in row["team"])
    team = f"{team}." if team else f"thành phần do {body} quyết định khi ban hành quyết định kiểm tra."
    return f"{n}. Đoàn kiểm tra tại {row['unit']} (tháng {row['month']}): {team}"


def _plan(w: Writer, d: dict) -> None:
    t = d["texts"]
    for line in d["legal_basis"]:
        w.para(line)
    if d.get("amends"):
        _amendment(w, d)
        _recipients_and_signer(w, d)
        return
    w.heading("I. MỤC ĐÍCH, YÊU CẦU")
    w.lines(t.get("purpose") or "…")
    w.heading("II. NỘI DUNG KIỂM TRA")
    w.para("Kiểm tra theo các bộ tiêu chí sau:")
    for n, checklist in enumerate(d["checklists"], 1):
        w.para(f"{n}. {checklist['name']} ({checklist['code']}): {'; '.join(checklist['sections'])}.")
    w.heading("III. ĐỐI TƯỢNG VÀ THỜI GIAN KIỂM TRA")
    w.para(f"Kiểm tra {count(d['units'])} cơ quan, đơn vị với {count(len(d['rows']))} cuộc kiểm tra, theo thời gian "
           "dự kiến như sau:")
    for month in d["months"]:
        w.heading(f"Tháng {month['month']}")
        _schedule(w, month["rows"])
    w.heading("IV. THÀNH PHẦN ĐOÀN KIỂM TRA")
    for n, row in enumerate(d["rows"], 1):
        w.para(_team_line(n, row, d["body"]["name"]))
    w.heading("V. TỔ CHỨC THỰC HIỆN")
    w.lines(t.get("organisation") or "…")
    _recipients_and_signer(w, d)


# --- the periodic report -------------------------------------------------------------------------

def _grid(w: Writer, widths: list[float], header: tuple, rows: list[tuple], bold_last: bool = False) -> None:
    """A table of a header row and rows of texts, the first column the TT, numbers centred and written
    the Vietnamese way (6.178) after it."""
    table = w.table(len(rows) + 1, widths)
    for cell, text in zip(table.rows[0].cells, header):
        w.cell(cell, text, align=CENTER, bold=True, size=12)
    for n, values in enumerate(rows, 1):
        strong = bold_last and n == len(rows)
        for column, (cell, text) in enumerate(zip(table.rows[n].cells, values)):
            if column and isinstance(text, int):
                text = count(text)
            w.cell(cell, str(text), align=LEFT if column == 1 else CENTER, bold=strong)


def _findings_table(w: Writer, f: dict, groups: list[dict], first: str) -> None:
    widths = [12, CONTENT_WIDTH_MM * 0.33] + [(CONTENT_WIDTH_MM * 0.67 - 12) / 5] * 5
    rows = [(n, g["name"], g["issued"], g["on_time"], g["late"], g["active"], g["overdue"])
            for n, g in enumerate(groups, 1)]
    total = f["findings"]
    rows.append(("", "Tổng cộng", total["issued"], total["on_time"], total["late"], total["active"], total["overdue"]))
    _grid(w, widths, ("TT", first, "Phát hiện", "Khắc phục đúng hạn", "Khắc phục trễ hạn", "Chưa khắc phục",
                      "Quá hạn"), rows, bold_last=True)


def _report_figures(w: Writer, d: dict) -> None:
    f, t = d["figures"], d["figures"]["totals"]
    w.heading("1. Thực hiện kế hoạch kiểm tra")
    rows = [(1, "Số cuộc kiểm tra theo kế hoạch", t["planned"]), (2, "Số cuộc kiểm tra đã thực hiện", t["done"]),
            (3, "Số cơ quan, đơn vị được kiểm tra", t["units_inspected"]), (4, "Điểm bình quân (%)", t["score"])]
    rows += [(4 + n, f"Số đơn vị xếp loại {g['grade']}", g["units"]) for n, g in enumerate(f["grades"], 1)]
    _grid(w, [12, CONTENT_WIDTH_MM * 0.68 - 12, CONTENT_WIDTH_MM * 0.32], ("TT", "Nội dung", "Kết quả"), rows)
    w.heading("2. Tồn tại, hạn chế phát hiện qua kiểm tra")
    w.para(f"Các đoàn kiểm tra đã chỉ ra {count(f['findings']['issued'])} tồn tại, hạn chế, trong đó "
           f"{count(f['findings']['repeats'])} tồn tại lặp lại. Theo lĩnh vực:")
    _findings_table(w, f, f["by_area"], "Lĩnh vực")
    w.para("Theo mức độ:")
    _findings_table(w, f, f["by_severity"], "Mức độ")
    if f["most_overdue"]:
        w.para("Các đơn vị có nhiều tồn tại quá hạn nhất: "
               + "; ".join(f"{u['name']} ({count(u['overdue'])})" for u in f["most_overdue"]) + ".")
    if t["tasks"] or f["index"]:
        w.heading("3. Nhiệm vụ được giao và Chỉ số cải cách hành chính")
        if t["tasks"]:
            w.para(f"Nhiệm vụ được giao: {count(t['tasks'])} nhiệm vụ, đã hoàn thành {count(t['tasks_done'])}, "
                   f"quá hạn {count(t['tasks_overdue'])}.")
        if f["index"]:
            weakest = "; ".join(f"{u['name']} ({u['total']})" for u in f["index"]["weakest"])
            w.para(f"Chỉ số cải cách hành chính năm {f['index']['year']}: {count(f['index']['units'])} đơn vị, "
                   f"điểm bình quân {f['index']['average']}; thấp nhất: {weakest}.")


def _landscape(w: Writer) -> float:
    """A new section on an A4 landscape page (the page number goes on); its content width in mm."""
    section = w.doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.different_first_page_header_footer = False
    return 297 - PAGE_MARGINS_MM["left"] - PAGE_MARGINS_MM["right"]


def _units_appendix(w: Writer, d: dict) -> None:
    width = _landscape(w)
    w.para("PHỤ LỤC", align=CENTER, bold=True, space_after=0)
    w.para("KẾT QUẢ KIỂM TRA THEO CƠ QUAN, ĐƠN VỊ", align=CENTER, bold=True, space_after=0)
    w.para(f"(Kèm theo Báo cáo số {d['number'] or '……'} {d['date_words']})", align=CENTER, italic=True)
    rows = [(n, u["name"], u["planned"], u["done"], u["score"], u["grade"], u["closed"], u["open"], u["overdue"])
            for n, u in enumerate(d["figures"]["units"], 1)]
    _grid(w, [12, width * 0.31] + [(width * 0.69 - 12) / 7] * 7,
          ("TT", "Cơ quan, đơn vị", "Kiểm tra theo kế hoạch", "Đã kiểm tra", "Điểm (%)", "Xếp loại",
           "Tồn tại đã khắc phục", "Chưa khắc phục", "Quá hạn"), rows)


def _report(w: Writer, d: dict) -> None:
    t = d["texts"]
    w.para(f"Thực hiện Kế hoạch kiểm tra công tác cải cách hành chính, công vụ, {d['body']['name']} báo cáo kết "
           f"quả kiểm tra {d['period']} tại {d['scope']} như sau:")
    w.heading("I. KẾT QUẢ KIỂM TRA")
    _report_figures(w, d)
    f = d["figures"]
    w.heading(f"{4 if f['totals']['tasks'] or f['index'] else 3}. Kết quả đạt được")
    w.lines(t.get("achievements") or "…")
    w.heading("II. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN")
    w.heading("1. Tồn tại, hạn chế")
    w.lines(t.get("shortcomings") or "…")
    w.heading("2. Nguyên nhân")
    w.lines(t.get("causes") or "…")
    w.heading("III. ĐỀ XUẤT, KIẾN NGHỊ")
    w.lines(t.get("proposals") or "…")
    _recipients_and_signer(w, d)
    if f["units"]:
        _units_appendix(w, d)


def build(d: dict, font: str, document_id: int):
    """A python-docx Document of the composed data `d`."""
    w = Writer(font)
    _header(w, d)
    _title(w, d)
    if d["kind"] == "minutes":
        _minutes(w, d, document_id)
    elif d["kind"] == "plan":
        _plan(w, d)
    elif d["kind"] == "report":
        _report(w, d)
    else:
        _conclusion(w, d)
    core = w.doc.core_properties
    core.title = f"{NAMES[d['kind']]} {d['number'] or ''}".strip()
    core.author = d["body"]["name"]
    return w.doc
