"""Volume for `flask seed-demo --scale N`: N provinces' worth of units, users, inspections with answers,
findings and their follow-up, over several years — what one PostgreSQL holds for a region.

Per province and year about 300 inspections (90 items each, answered) and 5,000 findings, of about 100
units (sở, agencies, communes and the districts the 2025 reform ended, with their successors). The
numbers follow believable patterns: each unit has its own quality, the PAR INDEX areas differ in
difficulty (digital government and procedures fail most), units improve a little each year, old
findings are mostly closed, recent ones open with some overdue, and an item failing again at the same
unit is a repeat finding.

Written in bulk: rows are built in Python and inserted with Core executemany in chunks of CHUNK rows,
one transaction per chunk, ids given here (and PostgreSQL's sequences moved past them at the end), the
search words and the score rows (app.models.search, app.models.report) written alongside.

Each province-year also has a directive of the steering committee with TASKS_PER_YEAR tasks given to one
to three units each (some done, some overdue), and a CCHC index of every unit that existed that year.
"""
import math
import random
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import generate_password_hash

from app import clock
from app.extensions import db
from app.models import (
    Answer,
    Directive,
    DirectiveTask,
    FollowUpEvent,
    FollowUpItem,
    IndexResult,
    IndexScore,
    AnswerType,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Finding,
    FindingEvent,
    Inspection,
    InspectionMember,
    IssuingBody,
    ParArea,
    SearchTerm,
    TargetOperator,
    TemplateStatus,
    Unit,
    User,
)
from app.models.report import InspectionScore, refresh_statement
from app.models.unit_figures import refresh as refresh_unit_figures
from app.models.search import key_of, term_rows

CHUNK = 5000
FAMILY = "CCHC-TINH"
INSPECTIONS_PER_YEAR = 300
TASKS_PER_YEAR = 20  # directive tasks per province and year, over all its units
INDEX_MAXIMA = {"leadership": 9.0, "institutions": 10.0, "procedures": 13.0, "organisation": 10.5,
                "civil_service": 13.0, "public_finance": 11.0, "digital_government": 13.5, "impact": 20.0}
EXTRA_FINDINGS = 2  # findings not tied to an item, per concluded inspection (on average)
PASSWORD = "demo12345"

PROVINCES = ["Quảng Ngãi", "Gia Lai", "Đắk Lắk", "Lâm Đồng", "Khánh Hòa", "Đà Nẵng", "Huế", "Quảng Trị",
             "Nghệ An", "Hà Tĩnh", "Thanh Hóa", "Ninh Bình", "Hưng Yên", "Hải Phòng", "Quảng Ninh", "Lạng Sơn",
             "Cao Bằng", "Tuyên Quang", "Lào Cai", "Thái Nguyên", "Phú Thọ", "Bắc Ninh", "Lai Châu", "Điện Biên",
             "Sơn La", "Hà Nội", "Đồng Nai", "Tây Ninh", "Đồng Tháp", "Vĩnh Long", "An Giang", "Cần Thơ",
             "Cà Mau", "Thành phố Hồ Chí Minh"]
DEPARTMENTS = ["Văn phòng UBND tỉnh", "Sở Nội vụ", "Sở Tài chính", "Sở Tư pháp", "Sở Công Thương",
               "Sở Nông nghiệp và Môi trường", "Sở Xây dựng", "Sở Giáo dục và Đào tạo", "Sở Y tế",
               "Sở Văn hóa, Thể thao và Du lịch", "Sở Khoa học và Công nghệ", "Sở Ngoại vụ",
               "Sở Dân tộc và Tôn giáo", "Thanh tra tỉnh", "Ban Quản lý các khu công nghiệp",
               "Trung tâm Phục vụ hành chính công tỉnh", "Đài Phát thanh và Truyền hình tỉnh", "Báo tỉnh"]
AGENCIES = ["Thuế tỉnh", "Kho bạc Nhà nước khu vực", "Bảo hiểm xã hội tỉnh", "Công an tỉnh", "Hải quan",
            "Thống kê tỉnh", "Chi cục Thuế khu vực I", "Chi cục Thuế khu vực II"]
PLACE_PARTS = ["Đắk", "Kon", "Ia", "Ngọc", "Sa", "Tu", "Hòa", "Bình", "Tân", "Phú", "An", "Long", "Thạnh", "Mỹ",
               "Đông", "Tây", "Nam", "Bắc", "Hưng", "Quảng", "Trà", "Sơn", "Hải", "Lộc", "Cẩm", "Vĩnh", "Đức",
               "Thuận", "Rẫy", "Hà", "Tô", "Glei", "Plông", "Mơ Rông", "Hồi", "Lợi", "Xuân", "Thành", "Phước", "Yên"]

# (PAR INDEX area, how often its items fail relative to the unit's base rate, questions)
CRITERIA = [
    (ParArea.LEADERSHIP, 0.6, [
        "Ban hành kế hoạch CCHC năm đúng thời hạn", "Báo cáo CCHC định kỳ đầy đủ, đúng hạn",
        "Thực hiện đầy đủ nhiệm vụ trong kế hoạch CCHC", "Kiểm tra CCHC tại các đơn vị trực thuộc",
        "Tuyên truyền CCHC theo kế hoạch", "Xử lý các vấn đề phát hiện qua kiểm tra",
        "Sáng kiến, giải pháp mới trong CCHC", "Gắn kết quả CCHC với thi đua, khen thưởng",
        "Người đứng đầu chủ trì đối thoại về CCHC", "Khắc phục tồn tại qua xác định Chỉ số CCHC năm trước",
        "Bố trí kinh phí thực hiện kế hoạch CCHC", "Phân công cán bộ đầu mối CCHC", "Sơ kết, tổng kết CCHC"]),
    (ParArea.INSTITUTIONS, 0.8, [
        "Ban hành văn bản QPPL đúng thẩm quyền, trình tự", "Rà soát, hệ thống hóa văn bản QPPL",
        "Tự kiểm tra văn bản QPPL", "Xử lý văn bản trái pháp luật được phát hiện",
        "Theo dõi thi hành pháp luật", "Lấy ý kiến đối tượng chịu tác động của văn bản",
        "Công bố danh mục văn bản hết hiệu lực", "Cập nhật văn bản lên Cơ sở dữ liệu quốc gia về pháp luật",
        "Phổ biến, giáo dục pháp luật theo kế hoạch", "Kiểm soát chất lượng dự thảo văn bản",
        "Đánh giá tác động chính sách", "Thẩm định dự thảo đúng thời hạn", "Lưu trữ hồ sơ xây dựng văn bản"]),
    (ParArea.PROCEDURES, 1.4, [
        "Công khai thủ tục hành chính đầy đủ, đúng quy định", "Tỷ lệ hồ sơ giải quyết đúng hạn",
        "Gửi thư xin lỗi khi giải quyết hồ sơ trễ hạn", "Yêu cầu bổ sung hồ sơ không quá một lần",
        "Sử dụng Phiếu kiểm soát quá trình giải quyết hồ sơ", "Không yêu cầu giấy tờ ngoài quy định",
        "Tiếp nhận, xử lý phản ánh kiến nghị về TTHC", "Số hóa hồ sơ, kết quả giải quyết TTHC",
        "Rà soát, đơn giản hóa thủ tục hành chính", "Niêm yết số điện thoại đường dây nóng",
        "Số hồ sơ quá hạn không có lý do", "Cập nhật trạng thái hồ sơ trên Hệ thống thông tin giải quyết TTHC",
        "Trả kết quả đúng hẹn cho người dân"]),
    (ParArea.ORGANISATION, 0.7, [
        "Số lượng cấp phó đúng quy định", "Quy định chức năng, nhiệm vụ của các phòng",
        "Sử dụng biên chế được giao", "Thực hiện tinh giản biên chế theo lộ trình",
        "Phân cấp quản lý được thực hiện đúng", "Kiểm tra tình hình tổ chức và hoạt động",
        "Sắp xếp tổ chức bộ máy sau hợp nhất", "Quy chế làm việc được ban hành và cập nhật",
        "Danh mục vị trí việc làm được phê duyệt", "Thực hiện cơ chế tự chủ của đơn vị sự nghiệp",
        "Bố trí cán bộ đúng vị trí việc làm", "Công khai cơ cấu tổ chức", "Báo cáo tổ chức bộ máy đúng hạn"]),
    (ParArea.CIVIL_SERVICE, 1.0, [
        "Chấp hành giờ giấc làm việc", "Đeo thẻ công chức, viên chức trong giờ làm việc",
        "Không uống rượu bia trong giờ làm việc", "Tuyển dụng công chức đúng quy định",
        "Đánh giá, xếp loại công chức đúng quy định", "Thực hiện quy tắc ứng xử",
        "Bổ nhiệm lãnh đạo đúng quy trình", "Đào tạo, bồi dưỡng theo kế hoạch",
        "Xử lý kỷ luật cán bộ vi phạm", "Thực hiện chế độ, chính sách đối với công chức",
        "Chuyển đổi vị trí công tác định kỳ", "Kê khai tài sản, thu nhập đúng hạn", "Không có công chức vi phạm"]),
    (ParArea.PUBLIC_FINANCE, 0.9, [
        "Công khai ngân sách đúng quy định", "Thực hiện quy chế chi tiêu nội bộ",
        "Quản lý, sử dụng tài sản công đúng quy định", "Giải ngân vốn đầu tư công đúng tiến độ",
        "Thực hiện kết luận thanh tra, kiểm toán về tài chính", "Tự chủ tài chính của đơn vị sự nghiệp",
        "Thanh toán không dùng tiền mặt", "Quyết toán ngân sách đúng hạn", "Mua sắm công đúng quy trình",
        "Sử dụng xe công đúng mục đích", "Tiết kiệm chi thường xuyên", "Quản lý quỹ ngoài ngân sách",
        "Báo cáo tài chính đầy đủ"]),
    (ParArea.DIGITAL_GOVERNMENT, 1.6, [
        "Tỷ lệ hồ sơ trực tuyến toàn trình", "Tỷ lệ thanh toán trực tuyến", "Tỷ lệ văn bản điện tử có chữ ký số",
        "Kết nối, chia sẻ dữ liệu với Cổng Dịch vụ công quốc gia", "Bảo đảm an toàn thông tin hệ thống",
        "Cập nhật Cổng thông tin điện tử", "Sử dụng hệ thống quản lý văn bản và điều hành",
        "Số hóa kết quả giải quyết TTHC", "Cấp kết quả điện tử", "Hệ thống họp trực tuyến hoạt động",
        "Dữ liệu mở được công bố", "Khai thác cơ sở dữ liệu dân cư", "Chuyển đổi số trong nội bộ"]),
]
VARIANT_TARGETS = {  # a few items are measured: (answer type, operator, target)
    1: (AnswerType.PERCENT, TargetOperator.GE, 95.0),
    10: (AnswerType.NUMBER, TargetOperator.EQ, 0.0),
    0: (AnswerType.PERCENT, TargetOperator.GE, 80.0),
}
SEVERITY_WEIGHTS = (("minor", 0.62), ("serious", 0.31), ("very_serious", 0.07))
DUE_DAYS = {"minor": 60, "serious": 30, "very_serious": 15}
HANOI = timezone(timedelta(hours=7))


# --- helpers ----------------------------------------------------------------------------------------

class Ids:
    """The next free id of each table, read once: rows get their ids here, before they are inserted."""

    def __init__(self, *models):
        self.next = {m: (db.session.scalar(sa.select(sa.func.max(m.id))) or 0) + 1 for m in models}

    def take(self, model) -> int:
        value = self.next[model]
        self.next[model] += 1
        return value


def _insert(model, rows: list[dict]) -> None:
    table = model.__table__
    for start in range(0, len(rows), CHUNK):
        with db.engine.begin() as connection:
            connection.execute(table.insert(), rows[start:start + CHUNK])


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=HANOI).astimezone(timezone.utc)


def _weighted(rng: random.Random, pairs):
    value, roll = None, rng.random()
    for value, weight in pairs:
        roll -= weight
        if roll <= 0:
            return value
    return value


def _place(rng: random.Random, used: set) -> str:
    """A place name not used yet in the province (two parts, or three when the pairs run out)."""
    for size in (2, 2, 2, 2, 3, 3, 3, 3):
        name = " ".join(rng.sample(PLACE_PARTS, size))
        if name not in used:
            used.add(name)
            return name
    return f"{name} {len(used)}"


# --- the checklist -----------------------------------------------------------------------------------

def scale_template() -> ChecklistTemplate:
    """The 91-item checklist of the PAR INDEX fields 1–7 that the scale inspections use (made once)."""
    template = db.session.scalar(sa.select(ChecklistTemplate).where(ChecklistTemplate.family == FAMILY))
    if template is not None:
        return template
    template = ChecklistTemplate(family=FAMILY, version=1, status=TemplateStatus.PUBLISHED,
                                 name="Kiểm tra công tác CCHC theo 7 lĩnh vực Chỉ số CCHC (cấp tỉnh)",
                                 published_at=datetime.now(timezone.utc))
    for s, (area, _difficulty, questions) in enumerate(CRITERIA):
        section = ChecklistSection(position=s, code=f"{s + 1}", title=area.label, par_area=area)
        for i, question in enumerate(questions):
            answer_type, operator, target = VARIANT_TARGETS.get(i, (AnswerType.PASS_FAIL, None, None))
            if area == ParArea.DIGITAL_GOVERNMENT and i < 3:
                answer_type, operator, target = AnswerType.PERCENT, TargetOperator.GE, 80.0
            section.items.append(ChecklistItem(
                position=i, code=f"{s + 1}.{i + 1:02d}", question=question, answer_type=answer_type,
                target_operator=operator, target_value=target, weight=2.0 if i < 2 else 1.0,
                unit="%" if answer_type == AnswerType.PERCENT else ("hồ sơ" if answer_type == AnswerType.NUMBER else ""),
                numerator_label="Số đạt" if answer_type == AnswerType.PERCENT else "",
                denominator_label="Tổng số" if answer_type == AnswerType.PERCENT else ""))
        template.sections.append(section)
    db.session.add(template)
    db.session.commit()
    return template


def _answer_values(rng: random.Random, item: dict, failed: bool) -> dict:
    """Values that score as `failed` says for the item's type and target."""
    values = {"result": None, "value": None, "numerator": None, "denominator": None}
    if item["type"] == AnswerType.PASS_FAIL:
        values["result"] = "fail" if failed else "pass"
    elif item["type"] == AnswerType.PERCENT:
        denominator = rng.randint(20, 400)
        need = math.ceil(denominator * item["target"] / 100)
        values["denominator"] = denominator
        values["numerator"] = rng.randint(max(0, need - 1 - denominator // 5), need - 1) if failed else \
            rng.randint(min(need, denominator), denominator)
    else:  # number, target = 0
        values["value"] = str(rng.randint(1, 6)) if failed else "0"
    return values


# --- the volume -----------------------------------------------------------------------------------

def seed_scale(provinces: int, years: int = 5, end_year: int | None = None, seed: int = 7,
               echo=lambda message: None) -> dict[str, int]:
    """Add `provinces` provinces of `years` years each (ending with `end_year`, this year by default)."""
    rng = random.Random(seed)
    today = clock.local_today()
    end_year = end_year or today.year
    first_year = end_year - years + 1
    template = scale_template()
    items = [{"id": item.id, "code": item.code, "question": item.question, "area": section.par_area,
              "type": item.answer_type, "target": item.target_value,
              "difficulty": next(d for a, d, _q in CRITERIA if a == section.par_area),
              "severity": rng.choice(("minor", "minor", "serious"))}
             for section in template.sections for item in section.items]
    password_hash = generate_password_hash(PASSWORD, method=current_app.config["PASSWORD_HASH_METHOD"])
    ids = Ids(Unit, User, Inspection, Finding, IssuingBody, Directive, DirectiveTask, FollowUpItem, IndexResult)
    existing = db.session.scalar(sa.select(sa.func.count()).select_from(Unit).where(Unit.code.like("S%-UBND")))
    counts = {"units": 0, "users": 0, "inspections": 0, "answers": 0, "findings": 0, "events": 0, "terms": 0,
              "tasks": 0, "index rows": 0}
    for p in range(existing, existing + provinces):
        province_counts = _province(rng, p, first_year, end_year, today, template.id, items, password_hash, ids)
        for key, value in province_counts.items():
            counts[key] += value
        echo(f"Province {p + 1}: " + ", ".join(f"{v} {k}" for k, v in province_counts.items()))
    _move_sequences()
    with db.engine.begin() as connection:  # once: rewritten per province, they grew 34-fold with dead rows
        refresh_unit_figures(connection)
    with db.engine.begin() as connection:  # fresh statistics for the planner, as autovacuum would gather
        connection.exec_driver_sql("ANALYZE")
    return counts


def _province(rng, p, first_year, end_year, today, template_id, items, password_hash, ids) -> dict[str, int]:
    """One province: its units, staff and issuing body, then each year's inspections with their answers and
    findings, written in bulk. Returns how many rows of each kind it added."""
    province = _Province(rng, ids, p, today)
    province.add_units()
    province.add_staff(password_hash)
    for year in range(first_year, end_year + 1):
        province.add_year(year, first_year, template_id, items)
        province.add_directive(year)
        province.add_index(year, first_year)
    province.write()
    return province.counts()


class _Province:
    """The rows of one province, built in Python in the order the random numbers are drawn."""

    REFORM = date(2025, 7, 1)  # the 2025 reform ended the districts; their work went to new communes

    def __init__(self, rng: random.Random, ids: Ids, p: int, today: date):
        self.rng, self.ids, self.today = rng, ids, today
        self.name = PROVINCES[p % len(PROVINCES)] + (f" {p // len(PROVINCES) + 1}" if p >= len(PROVINCES) else "")
        self.prefix = f"S{p + 1}"
        self.units, self.terms, self.bodies, self.users = [], [], [], []
        self.inspections, self.members, self.answers, self.findings, self.events = [], [], [], [], []
        self.directives, self.tasks, self.items, self.item_events, self.results, self.scores = [], [], [], [], [], []
        self.last_finding: dict[tuple[int, int], int] = {}  # (unit, item) → the latest finding there, for repeats
        self.body_id: int | None = None  # the steering committee that decides every inspection
        self.inspectors: list[int] = []
        self.quality: dict[int, float] = {}  # unit → its base rate of failed items

    # --- units and people ---------------------------------------------------------------------------

    def unit(self, code, unit_name, kind, parent_id=None, **extra) -> dict:
        row = {"id": self.ids.take(Unit), "code": f"{self.prefix}-{code}", "name": unit_name, "kind": kind,
               "parent_id": parent_id, "active": True, "valid_from": None, "valid_to": None, "successor_id": None}
        row.update(extra)
        row["search_key"] = key_of([row["code"], row["name"]])
        self.units.append(row)
        return row

    def add_units(self) -> None:
        """The province's committee, departments, agencies, communes and the districts the reform ended."""
        rng, name, used = self.rng, self.name, set()
        province = self.unit("UBND", f"UBND tỉnh {name}", "province")
        for i, department in enumerate(DEPARTMENTS):
            self.unit(f"SO{i + 1:02d}", department, "department" if i < 15 else "public_service", province["id"])
        for i, agency in enumerate(AGENCIES):
            self.unit(f"CQ{i + 1:02d}", f"{agency} {name}", "vertical_agency", province["id"])
        communes = []
        for i in range(66):
            communes.append(self.unit(f"XA{i + 1:02d}", f"UBND {'phường' if i % 5 == 0 else 'xã'} {_place(rng, used)}",
                                      "commune", province["id"], valid_from=self.REFORM if i >= 56 else None))
        for i in range(10):  # districts the 2025 reform ended; their work went to a new commune
            self.unit(f"H{i + 1:02d}", f"UBND huyện {_place(rng, used)}", "district", province["id"], active=False,
                      valid_to=self.REFORM - timedelta(days=1), successor_id=communes[56 + i]["id"])
        for row in self.units:
            self.terms += term_rows("unit", row["id"], row["search_key"])

    def add_staff(self, password_hash: str) -> None:
        """The steering committee, its leaders and inspectors, eight unit heads, and each unit's quality."""
        name, prefix = self.name, self.prefix
        self.body_id = self.ids.take(IssuingBody)
        self.bodies.append({"id": self.body_id, "code": f"{prefix}-BCD", "name": f"Ban Chỉ đạo CCHC tỉnh {name}",
                            "abbreviation": "BCĐ", "superior_name": f"UBND TỈNH {name.upper()}", "place_name": name,
                            "signer_title": "TRƯỞNG BAN"})
        for role, count in (("leader", 2), ("inspector", 12)):
            for i in range(count):
                self.users.append({"id": self.ids.take(User), "username": f"{prefix.lower()}-{role}{i + 1}",
                                   "full_name": f"{'Lãnh đạo' if role == 'leader' else 'Kiểm tra viên'} {i + 1} {name}",
                                   "role": role, "unit_id": self.units[2]["id"], "password_hash": password_hash})
        heads = self.rng.sample([u for u in self.units if u["active"] and u["kind"] != "province"], 8)
        for i, head in enumerate(heads):
            self.users.append({"id": self.ids.take(User), "username": f"{prefix.lower()}-unithead{i + 1}",
                               "full_name": f"Thủ trưởng {head['name']}", "role": "unit_head",
                               "unit_id": head["id"], "password_hash": password_hash})
        self.inspectors = [u["id"] for u in self.users if u["role"] == "inspector"]
        self.quality = {u["id"]: min(max(self.rng.gauss(0.16, 0.07), 0.03), 0.45) for u in self.units}

    # --- a year of inspections ----------------------------------------------------------------------

    def add_year(self, year: int, first_year: int, template_id: int, items: list[dict]) -> None:
        """INSPECTIONS_PER_YEAR inspections of the units that existed that year, numbered by start."""
        rng = self.rng
        eligible = [u for u in self.units if u["kind"] != "province"
                    and (u["valid_to"] is None or u["valid_to"].year >= year)
                    and (u["valid_from"] is None or u["valid_from"].year <= year)]
        starts = sorted(date(year, 1, 6) + timedelta(days=rng.randint(0, 340)) for _ in range(INSPECTIONS_PER_YEAR))
        for n, start in enumerate(starts, start=1):
            target = rng.choice([u for u in eligible if u["valid_to"] is None or u["valid_to"] >= start] or eligible)
            inspection_id, status, team = self.add_inspection(n, year, start, target, template_id)
            if status in ("draft", "scheduled", "cancelled"):
                continue
            # Units get a little better every year; some areas are harder than others.
            base = self.quality[target["id"]] * (1 - 0.06 * (year - first_year))
            answered = items if status != "in_progress" else items[: len(items) // 2]
            failed_items = self.add_answers(inspection_id, start, team, base, answered)
            if status in ("concluded", "closed"):
                self.add_findings(inspection_id, n, year, start, target, team, status, failed_items)

    def add_inspection(self, n: int, year: int, start: date, target: dict, template_id: int) -> tuple:
        """The inspection and its team of three; returns (its id, its state, the team's user ids)."""
        rng = self.rng
        inspection_id = self.ids.take(Inspection)
        status = _inspection_status(rng, start, self.today)
        title = f"Kiểm tra công tác cải cách hành chính năm {year} tại {target['name']}"
        decided = start - timedelta(days=rng.randint(2, 5))  # within the year: numbers restart yearly
        number = f"{n}/QĐ-BCĐ"
        self.inspections.append({
            "id": inspection_id, "title": title, "kind": "planned" if rng.random() < 0.85 else "unannounced",
            "legal_basis": "Kế hoạch kiểm tra CCHC năm " + str(year), "decision_number": number,
            "decision_date": decided, "decision_year": decided.year, "issuing_body_id": self.body_id,
            "unit_id": target["id"], "template_id": template_id, "status": status, "planned_start": start,
            "planned_end": start + timedelta(days=rng.randint(1, 3)), "place": target["name"],
            "search_key": key_of([number, title, target["name"]])})
        self.terms += term_rows("inspection", inspection_id, self.inspections[-1]["search_key"])
        team = rng.sample(self.inspectors, 3)
        self.members += [{"inspection_id": inspection_id, "user_id": team[0], "role": "lead"},
                         {"inspection_id": inspection_id, "user_id": team[1], "role": "member"},
                         {"inspection_id": inspection_id, "user_id": team[2], "role": "secretary"}]
        return inspection_id, status, team

    def add_answers(self, inspection_id: int, start: date, team: list[int], base: float,
                    answered: list[dict]) -> list[dict]:
        """An answer to each item, failing at the unit's rate times the area's difficulty; returns the failed."""
        rng = self.rng
        failed_items = []
        answered_at = _at(start, 10)
        for item in answered:
            not_applicable = rng.random() < 0.03
            failed = not not_applicable and rng.random() < min(base * item["difficulty"], 0.9)
            values = _answer_values(rng, item, failed) if not not_applicable else \
                {"result": "na", "value": None, "numerator": None, "denominator": None}
            self.answers.append({"inspection_id": inspection_id, "item_id": item["id"], **values, "note": "",
                                 "answered_by_id": team[rng.randint(0, 1)], "answered_at": answered_at,
                                 "outcome": "na" if not_applicable else ("fail" if failed else "pass")})
            if failed:
                failed_items.append(item)
        return failed_items

    def add_findings(self, inspection_id: int, n: int, year: int, start: date, target: dict, team: list[int],
                     status: str, failed_items: list[dict]) -> None:
        """A finding per failed item and a few not tied to an item, each with its follow-up so far."""
        rng = self.rng
        issued_on = start + timedelta(days=rng.randint(20, 40))
        chosen = failed_items + [None] * rng.randint(0, EXTRA_FINDINGS * 2)
        for number_in, item in enumerate(chosen, start=1):
            finding_id = self.ids.take(Finding)
            severity = item["severity"] if item else _weighted(rng, SEVERITY_WEIGHTS)
            if item and rng.random() < 0.2:
                severity = _weighted(rng, SEVERITY_WEIGHTS)
            due = issued_on + timedelta(days=DUE_DAYS[severity])
            finding_status, closed_on = _finding_status(rng, issued_on, due, self.today, status)
            repeat_of = self.last_finding.get((target["id"], item["id"])) if item else None
            code = f"KT-{year}-{n:03d}/{number_in:02d}"
            finding_title = (f"Chưa đạt: {item['question']}" if item else
                             rng.choice(["Chậm cập nhật hồ sơ công việc", "Thiếu biên bản họp giao ban",
                                         "Niêm yết nội quy cơ quan chưa đầy đủ", "Sổ theo dõi văn bản đến ghi thiếu",
                                         "Trễ hạn báo cáo định kỳ", "Hộp thư góp ý không được mở định kỳ"]))
            description = (f"Qua kiểm tra tại {target['name']}, đoàn kiểm tra phát hiện: "
                           f"{finding_title.lower()}; chưa có giải pháp khắc phục kịp thời.")
            recommendation = "Thủ trưởng đơn vị chỉ đạo khắc phục, báo cáo kết quả bằng văn bản."
            row = {"id": finding_id, "inspection_id": inspection_id, "item_id": item["id"] if item else None,
                   "unit_id": target["id"], "number": number_in, "code": code, "title": finding_title[:255],
                   "description": description, "legal_basis": "", "severity": severity,
                   "recommendation": recommendation, "due_date": due, "status": finding_status,
                   "confirmed": True, "dismiss_reason": "", "repeat_of_id": repeat_of,
                   "created_by_id": team[0], "issued_at": _at(issued_on, 14),
                   "closed_at": _at(closed_on, 15) if closed_on else None,
                   "closed_by_id": team[0] if closed_on else None,
                   "search_key": key_of([code, finding_title, description, recommendation])}
            self.findings.append(row)
            self.terms += term_rows("finding", finding_id, row["search_key"])
            if item:
                self.last_finding[(target["id"], item["id"])] = finding_id
            self.add_follow_up(finding_id, row["issued_at"], issued_on, closed_on, finding_status, team[0])

    def add_follow_up(self, finding_id: int, issued_at: datetime, issued_on: date, closed_on: date | None,
                      finding_status: str, lead: int) -> None:
        """The finding's events: issued, then a plan unless it is still open, then submitted and accepted."""
        self.events.append({"finding_id": finding_id, "kind": "issued", "text": "", "author_id": lead,
                            "at": issued_at, "no_evidence_reason": ""})
        if finding_status != "open":
            plan_on = min(issued_on + timedelta(days=self.rng.randint(3, 15)), self.today)
            self.events.append({"finding_id": finding_id, "kind": "plan", "author_id": None,
                                "text": "Đơn vị đã xây dựng kế hoạch khắc phục.", "at": _at(plan_on, 10),
                                "no_evidence_reason": ""})
        if closed_on:
            self.events += [{"finding_id": finding_id, "kind": "submitted", "author_id": None,
                             "text": "Đã khắc phục, gửi kèm minh chứng.", "at": _at(closed_on, 9),
                             "no_evidence_reason": ""},
                            {"finding_id": finding_id, "kind": "accepted", "author_id": lead, "text": "",
                             "at": _at(closed_on, 15), "no_evidence_reason": ""}]

    # --- directives and the CCHC index ----------------------------------------------------------------

    def existing(self, year: int) -> list[dict]:
        return [u for u in self.units if u["kind"] != "province" and (u["valid_to"] is None or u["valid_to"].year >= year)
                and (u["valid_from"] is None or u["valid_from"].year <= year)]

    def add_directive(self, year: int) -> None:
        """The year's directive: TASKS_PER_YEAR tasks due during the year, each given to one to three units;
        past ones mostly done (some late), the rest open and, once due, overdue."""
        rng, issued = self.rng, date(year, 2, 15)
        directive_id = self.ids.take(Directive)
        self.directives.append({"id": directive_id, "number": f"{rng.randint(100, 900)}/BCĐ-NC", "issued_on": issued,
                                "issuing_body_id": self.body_id, "subject": f"Nhiệm vụ trọng tâm CCHC năm {year}",
                                "signer_name": "", "signer_title": "", "search_key": key_of([f"CCHC {year}"])})
        units = self.existing(year)
        for n in range(1, TASKS_PER_YEAR + 1):
            task_id, due = self.ids.take(DirectiveTask), issued + timedelta(days=rng.randint(60, 320))
            self.tasks.append({"id": task_id, "directive_id": directive_id, "position": n, "code": str(n),
                               "title": f"Nhiệm vụ {n} năm {year}", "detail": "", "legal_basis": "", "due_date": due,
                               "target_measure": ""})
            for unit in rng.sample(units, rng.randint(1, 3)):
                self.add_item(task_id, unit["id"], due, issued)

    def add_item(self, task_id: int, unit_id: int, due: date, issued: date) -> None:
        item_id, done = self.ids.take(FollowUpItem), due < self.today and self.rng.random() < 0.8
        late = done and self.rng.random() < 0.2
        self.items.append({"id": item_id, "kind": "task", "unit_id": unit_id, "role": "lead", "task_id": task_id,
                           "status": "closed" if done else "open", "due_date": due, "criterion_label": "",
                           "outcome": ("late" if late else "on_time") if done else None,
                           "closed_at": _at(due + timedelta(days=5 if late else -5)) if done else None,
                           "row_version": 1})
        self.item_events.append({"item_id": item_id, "kind": "assigned", "text": "", "at": _at(issued)})

    def add_index(self, year: int, first_year: int) -> None:
        """Every unit's CCHC index of the year: its fields near its quality, a little better each year."""
        results = []
        for unit in self.existing(year):
            result_id, shares = self.ids.take(IndexResult), []
            for area, maximum in INDEX_MAXIMA.items():
                share = min(max(1 - self.quality[unit["id"]] * 1.3 + 0.02 * (year - first_year)
                                + self.rng.gauss(0, 0.06), 0.3), 1.0)
                shares.append(share)
                self.scores.append({"result_id": result_id, "par_area": area, "criterion_code": "",
                                    "criterion_label": "", "score": round(maximum * share, 2), "maximum": maximum})
            total = round(sum(m * s for m, s in zip(INDEX_MAXIMA.values(), shares)), 2)
            results.append({"id": result_id, "year": year, "unit_id": unit["id"], "total": total, "maximum": 100.0,
                            "grade": "Tốt" if total >= 85 else "Khá" if total >= 70 else "Trung bình"})
        for rank, row in enumerate(sorted(results, key=lambda r: -r["total"]), start=1):
            row["rank"] = rank
        self.results += results

    # --- writing ------------------------------------------------------------------------------------

    def write(self) -> None:
        """Insert every row in bulk (units before their successors are set), then the inspections' scores."""
        units = self.units
        _insert(Unit, [dict(u, parent_id=u["parent_id"], successor_id=None) for u in units])
        with db.engine.begin() as connection:  # successors once every unit exists
            table = Unit.__table__
            successors = [{"unit_id": u["id"], "successor": u["successor_id"]} for u in units if u["successor_id"]]
            connection.execute(table.update().where(table.c.id == sa.bindparam("unit_id"))
                               .values(successor_id=sa.bindparam("successor")), successors)
        _insert(IssuingBody, self.bodies)
        _insert(User, self.users)
        _insert(Inspection, self.inspections)
        _insert(InspectionMember, self.members)
        _insert(Answer, self.answers)
        _insert(Finding, sorted(self.findings, key=lambda f: f["id"]))
        _insert(FindingEvent, self.events)
        _insert(Directive, self.directives)
        _insert(DirectiveTask, self.tasks)
        _insert(FollowUpItem, self.items)
        _insert(FollowUpEvent, self.item_events)
        _insert(IndexResult, sorted(self.results, key=lambda r: r["id"]))
        _insert(IndexScore, self.scores)
        _insert(SearchTerm, self.terms)
        first_id, last_id = self.inspections[0]["id"], self.inspections[-1]["id"]
        with db.engine.begin() as connection:
            connection.execute(refresh_statement(sa.select(Inspection.id).where(
                Inspection.id.between(first_id, last_id))))

    def counts(self) -> dict[str, int]:
        return {"units": len(self.units), "users": len(self.users), "inspections": len(self.inspections),
                "answers": len(self.answers), "findings": len(self.findings), "events": len(self.events),
                "terms": len(self.terms), "tasks": len(self.tasks), "index rows": len(self.results)}


def _inspection_status(rng, start: date, today: date) -> str:
    age = (today - start).days
    if age < -20:
        return "scheduled" if rng.random() < 0.8 else "draft"
    if age < 0:
        return "scheduled"
    if rng.random() < 0.03:
        return "cancelled"
    if age < 5:
        return "in_progress"
    if age < 25:
        return _weighted(rng, (("reviewing", 0.5), ("minutes_signed", 0.5)))
    if age < 400:
        return _weighted(rng, (("concluded", 0.9), ("minutes_signed", 0.1)))
    return "closed" if rng.random() < 0.7 else "concluded"


def _finding_status(rng, issued_on: date, due: date, today: date, inspection_status: str):
    """A believable state and closing day: the older the finding, the likelier it is closed."""
    if inspection_status == "closed":
        return "closed", min(issued_on + timedelta(days=rng.randint(10, 120)), today)
    age = (today - issued_on).days
    if rng.random() < min(age / 200, 0.9):
        closed_on = issued_on + timedelta(days=rng.randint(10, max(11, min(age, 150))))
        if closed_on <= today:
            return "closed", closed_on
    return _weighted(rng, (("open", 0.3), ("in_progress", 0.45), ("submitted", 0.15), ("reopened", 0.1))), None


def _move_sequences() -> None:
    """PostgreSQL hands out the next ids after ours (SQLite takes max(id) + 1 by itself)."""
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.begin() as connection:
        for model in (Unit, User, Inspection, Finding, IssuingBody, Directive, DirectiveTask, FollowUpItem, IndexResult):
            table = model.__table__.name
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM \"{table}\"))")


__all__ = ["seed_scale", "scale_template", "InspectionScore"]
