"""Demo data for `flask seed-demo`: the units of the Kon Tum directive, issuing bodies, accounts and
the three published checklist templates of app/seed/checklists.json, inspections in several states
and directive 517/BCĐ-NC (app/seed/directive-517.json) with its tasks and a few reports, and the
year's inspection plan of the steering committee, finalised and signed, and the report on the first
half of the year, finalised.

Idempotent: existing rows (matched by code or username) are left as they are.
"""
import json
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from app import clock
from app.documents.output import render_body
from app.extensions import db
from app.models import (
    AnswerType,
    ChecklistTemplate,
    Directive,
    Document,
    DirectiveTask,
    DocumentKind,
    EvidenceRule,
    Finding,
    FindingEventKind,
    FollowUpEventKind,
    FollowUpItem,
    Inspection,
    InspectionKind,
    InspectionStatus,
    IndexResult,
    IndexScore,
    IssuingBody,
    ParArea,
    ReportingCycle,
    Role,
    TargetKind,
    TeamRole,
    TemplateStatus,
    Unit,
    UnitKind,
    User,
)
from app.services import accounts, answers, cchc_index, checklist_io, directives, documents, evidence, findings, \
    follow_ups, inspections, period_reports, plan_documents, transitions, units as unit_service

DEMO_PASSWORD = "demo12345"

PROVINCE = ("UBND-KT", "UBND tỉnh Kon Tum", UnitKind.PROVINCE)

# (code, name, kind, parent code); parents come before their children.
UNITS = [
    ("VP-UBND", "Văn phòng UBND tỉnh", UnitKind.DEPARTMENT, "UBND-KT"),
    ("SNV", "Sở Nội vụ", UnitKind.DEPARTMENT, "UBND-KT"),
    ("STC", "Sở Tài chính", UnitKind.DEPARTMENT, "UBND-KT"),
    ("SKHDT", "Sở Kế hoạch và Đầu tư", UnitKind.DEPARTMENT, "UBND-KT"),
    ("STP", "Sở Tư pháp", UnitKind.DEPARTMENT, "UBND-KT"),
    ("STTTT", "Sở Thông tin và Truyền thông", UnitKind.DEPARTMENT, "UBND-KT"),
    ("CT-KT", "Cục Thuế tỉnh Kon Tum", UnitKind.VERTICAL_AGENCY, "UBND-KT"),
    ("CCT-KTKR", "Chi cục Thuế khu vực Kon Tum – Kon Rẫy", UnitKind.VERTICAL_AGENCY, "CT-KT"),
    ("CCT-DHDT", "Chi cục Thuế khu vực Đắk Hà – Đắk Tô – Tu Mơ Rông", UnitKind.VERTICAL_AGENCY, "CT-KT"),
    ("CCT-NHDG", "Chi cục Thuế khu vực Ngọc Hồi – Đắk Glei", UnitKind.VERTICAL_AGENCY, "CT-KT"),
    ("CCT-STIH", "Chi cục Thuế khu vực Sa Thầy – Ia H'Drai", UnitKind.VERTICAL_AGENCY, "CT-KT"),
    ("CCT-KP", "Chi cục Thuế huyện Kon Plông", UnitKind.VERTICAL_AGENCY, "CT-KT"),
    ("TTPVHCC", "Trung tâm Phục vụ hành chính công tỉnh", UnitKind.SERVICE_CENTER, "UBND-KT"),
    ("DPTTH", "Đài Phát thanh và Truyền hình tỉnh", UnitKind.PRESS, "UBND-KT"),
    ("BAO-KT", "Báo Kon Tum", UnitKind.PRESS, "UBND-KT"),
    ("CTTDT", "Cổng Thông tin điện tử tỉnh", UnitKind.PUBLIC_SERVICE, "VP-UBND"),
    ("TP-KT", "UBND thành phố Kon Tum", UnitKind.DISTRICT, "UBND-KT"),
    ("H-DAKGLEI", "UBND huyện Đắk Glei", UnitKind.DISTRICT, "UBND-KT"),
    ("H-NGOCHOI", "UBND huyện Ngọc Hồi", UnitKind.DISTRICT, "UBND-KT"),
    ("H-DAKTO", "UBND huyện Đắk Tô", UnitKind.DISTRICT, "UBND-KT"),
    ("H-KONPLONG", "UBND huyện Kon Plông", UnitKind.DISTRICT, "UBND-KT"),
    ("H-KONRAY", "UBND huyện Kon Rẫy", UnitKind.DISTRICT, "UBND-KT"),
    ("H-DAKHA", "UBND huyện Đắk Hà", UnitKind.DISTRICT, "UBND-KT"),
    ("H-SATHAY", "UBND huyện Sa Thầy", UnitKind.DISTRICT, "UBND-KT"),
    ("H-TUMORONG", "UBND huyện Tu Mơ Rông", UnitKind.DISTRICT, "UBND-KT"),
    ("H-IAHDRAI", "UBND huyện Ia H'Drai", UnitKind.DISTRICT, "UBND-KT"),
]

ISSUING_BODIES = [
    dict(code="BCD-CCHC", name="Ban Chỉ đạo cải cách hành chính tỉnh Kon Tum", abbreviation="BCĐ",
         superior_name="UBND TỈNH KON TUM", place_name="Kon Tum", signer_title="TRƯỞNG BAN"),
    dict(code="UBND-KT", name="Ủy ban nhân dân tỉnh Kon Tum", abbreviation="UBND",
         superior_name="", place_name="Kon Tum", signer_title="CHỦ TỊCH"),
    dict(code="SNV", name="Sở Nội vụ", abbreviation="SNV", superior_name="UBND TỈNH KON TUM",
         place_name="Kon Tum", signer_title="GIÁM ĐỐC"),
]

# (username, full name, title, role, unit code)
USERS = [
    ("admin", "Đỗ Minh Quản", "Chuyên viên Văn phòng Sở", Role.ADMIN, "SNV"),
    ("leader", "Nguyễn Văn Lãnh", "Phó Giám đốc Sở Nội vụ", Role.LEADER, "SNV"),
    ("inspector", "Trần Thị Kiểm", "Chuyên viên Phòng CCHC", Role.INSPECTOR, "SNV"),
    ("inspector2", "Lê Văn Tra", "Chuyên viên Phòng CCHC", Role.INSPECTOR, "SNV"),
    ("unithead", "Phạm Văn Hà", "Chủ tịch UBND huyện Đắk Hà", Role.UNIT_HEAD, "H-DAKHA"),
    ("unithead2", "Hoàng Thị Pháp", "Giám đốc Sở Tư pháp", Role.UNIT_HEAD, "STP"),
]


def seed_demo() -> dict[str, int]:
    """Load the demo rows that are missing; returns how many of each were added."""
    added = {"units": 0, "issuing_bodies": 0, "users": 0, "checklists": 0}
    units = {u.code: u for u in db.session.scalars(sa.select(Unit))}
    for code, name, kind, parent in [(*PROVINCE, None), *UNITS]:
        if code not in units:
            units[code] = Unit(code=code, name=name, kind=kind, active=True,
                               parent=units[parent] if parent else None)
            db.session.add(units[code])
            added["units"] += 1
    existing_bodies = set(db.session.scalars(sa.select(IssuingBody.code)))
    for body in ISSUING_BODIES:
        if body["code"] not in existing_bodies:
            db.session.add(IssuingBody(**body))
            added["issuing_bodies"] += 1
    db.session.commit()

    existing_users = set(db.session.scalars(sa.select(User.username)))
    for username, full_name, title, role, unit_code in USERS:
        if username not in existing_users:
            accounts.create_user(None, DEMO_PASSWORD, username=username, full_name=full_name, title=title,
                                 role=role, unit_id=units[unit_code].id)
            added["users"] += 1
    added["checklists"] = checklist_io.load_seed()
    added["inspections"] = seed_inspections()
    added["findings"] = seed_findings()
    added["directive_tasks"] = seed_directive()
    added["index_units"] = seed_index()
    added["plans"] = seed_plan()
    added["reports"] = seed_report()
    return added


def seed_inspections() -> int:
    """A few inspections of this year in several states, if there are none yet."""
    if db.session.scalar(sa.select(Inspection.id).limit(1)):
        return 0
    year = clock.local_today().year
    units = {u.code: u for u in db.session.scalars(sa.select(Unit))}
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    templates = {t.family: t for t in db.session.scalars(
        sa.select(ChecklistTemplate).where(ChecklistTemplate.status == TemplateStatus.PUBLISHED))}
    body = db.session.scalar(sa.select(IssuingBody).where(IssuingBody.code == "BCD-CCHC"))
    plans = [
        ("Kiểm tra công vụ, kỷ luật kỷ cương tại UBND huyện Đắk Hà", "H-DAKHA", "KTCV", InspectionKind.UNANNOUNCED,
         date(year, 3, 10), "12/QĐ-BCĐ", ["schedule", "start"]),
        ("Kiểm tra công tác CCHC tại Sở Tư pháp", "STP", "PAR", InspectionKind.PLANNED, date(year, 5, 6),
         "15/QĐ-BCĐ", ["schedule"]),
        ("Kiểm tra Bộ phận Một cửa tại Trung tâm Phục vụ hành chính công tỉnh", "TTPVHCC", "MC",
         InspectionKind.PLANNED, date(year, 9, 15), None, []),
        ("Kiểm tra công tác CCHC tại UBND huyện Kon Rẫy", "H-KONRAY", "PAR", InspectionKind.PLANNED,
         date(year, 6, 2), "18/QĐ-BCĐ", ["schedule"]),
    ]
    leader = users["leader"]
    for title, unit_code, family, kind, start, number, steps in plans:
        inspection = inspections.create_inspection(
            leader,
            [inspections.TeamMember(users["inspector"].id, TeamRole.LEAD),
             inspections.TeamMember(users["inspector2"].id, TeamRole.MEMBER)],
            title=title, kind=kind, unit_id=units[unit_code].id, template_id=templates[family].id,
            legal_basis="Kế hoạch kiểm tra CCHC năm %d của Ban Chỉ đạo CCHC tỉnh" % year,
            decision_number=number, decision_date=start - timedelta(days=10) if number else None,
            issuing_body_id=body.id if number else None, planned_start=start, planned_end=start + timedelta(days=1),
            place=units[unit_code].name,
        )
        for step in steps:
            transitions.change_state(leader, inspection, step)
    kon_ray = db.session.scalar(sa.select(Inspection).where(Inspection.title.contains("Kon Rẫy")))
    transitions.change_state(leader, kon_ray, "cancel", "UBND huyện Kon Rẫy sáp nhập theo Nghị quyết năm 2025")
    half_fill(db.session.scalar(sa.select(Inspection).where(Inspection.status == InspectionStatus.IN_PROGRESS)),
              users["inspector"])
    return len(plans)


DEMO_ANSWERS = {
    AnswerType.PASS_FAIL: [{"result": "pass"}, {"result": "fail", "note": "Chưa niêm yết đầy đủ"}],
    AnswerType.NUMBER: [{"value": "0"}, {"value": "2", "note": "2 công chức vắng không lý do"}],
    AnswerType.PERCENT: [{"numerator": "96", "denominator": "100"}, {"numerator": "41", "denominator": "50"}],
    AnswerType.TEXT: [{"value": "Đã kiểm tra sổ theo dõi"}],
}


def half_fill(inspection: Inspection, inspector: User) -> None:
    """Answer the first half of the items, some failing, so a new user sees work in progress."""
    items = inspection.template.items
    for n, item in enumerate(items[: len(items) // 2]):
        choices = DEMO_ANSWERS.get(item.answer_type)
        if choices:
            answers.save_answer(inspector, inspection.id, item.id, choices[n % len(choices)], 0, f"demo-{item.id}")



# --- findings --------------------------------------------------------------------------------------

def _demo_photo() -> bytes:
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), (226, 232, 240))
    ImageDraw.Draw(image).rectangle((80, 80, 560, 400), outline=(163, 29, 36), width=12)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


PASSING = {AnswerType.PASS_FAIL: {"result": "pass"}, AnswerType.NUMBER: {"value": "0"},
           AnswerType.PERCENT: {"numerator": "100", "denominator": "100"},
           AnswerType.TEXT: {"value": "Đã kiểm tra hồ sơ"}}


def _fill(inspection: Inspection, inspector: User, failing: dict[str, str]) -> None:
    """Answer every item (passing, with the photos the items require); the items in `failing` fail
    with the given note."""
    photo = [("hien-truong.jpg", _demo_photo())]
    for item in inspection.template.items:
        if item.code in failing:
            values = {"result": "fail", "note": failing[item.code]}
        else:
            values = PASSING.get(item.answer_type, {"result": "na"})
        answers.save_answer(inspector, inspection.id, item.id, values, 0, f"demo-{inspection.id}-{item.id}")
        if item.evidence_required == EvidenceRule.ALWAYS or item.code in failing:
            evidence.store_evidence_files(inspector, inspection, item, photo)


def _minutes_and_conclusion(inspection: Inspection, inspector: User, leader: User, start: date) -> None:
    """The team lead's minutes, finalised and signed, then the leader's conclusion notice, which issues
    the findings; both with their signed scans."""
    minutes = documents.start_document(inspector, inspection, DocumentKind.MINUTES)
    documents.update_document(inspector, minutes, minutes.row_version, start + timedelta(days=1), minutes.place,
                              documents.texts_of(minutes) | {
                                  "start_time": "08 giờ 00", "end_time": "11 giờ 30",
                                  "assessment": "Đơn vị chấp hành nghiêm giờ giấc làm việc; hồ sơ công vụ được lưu "
                                                "trữ đầy đủ, khoa học.",
                                  "unit_opinion": "Đơn vị thống nhất với nội dung biên bản và cam kết khắc phục các "
                                                  "tồn tại, hạn chế đã nêu."})
    documents.finalise_document(inspector, minutes, render_body)
    documents.upload_signed(inspector, minutes, "bien-ban-da-ky.jpg", _demo_photo())
    conclusion = documents.start_document(leader, inspection, DocumentKind.CONCLUSION)
    documents.update_document(leader, conclusion, conclusion.row_version, start + timedelta(days=7), conclusion.place,
                              documents.texts_of(conclusion) | {
                                  "signer_authority": "KT. TRƯỞNG BAN", "signer_title": "PHÓ TRƯỞNG BAN",
                                  "signer_name": leader.full_name,
                                  "assessment": "Đơn vị đã triển khai thực hiện cơ bản đầy đủ các nhiệm vụ về kỷ luật, "
                                                "kỷ cương hành chính; còn một số tồn tại, hạn chế nêu dưới đây."})
    documents.finalise_document(leader, conclusion, render_body)
    documents.upload_signed(leader, conclusion, "thong-bao-da-ky.jpg", _demo_photo())


def _inspect_and_issue(title, start, number, failing, users, unit, template, body) -> list[Finding]:
    """An inspection through field work, review (which proposes the findings), the team's confirmation,
    the signed minutes and the leader's conclusion notice that issues them; returns its issued findings
    in code order."""
    leader, inspector = users["leader"], users["inspector"]
    inspection = inspections.create_inspection(
        leader, [inspections.TeamMember(inspector.id, TeamRole.LEAD),
                 inspections.TeamMember(users["inspector2"].id, TeamRole.MEMBER)],
        title=title, kind=InspectionKind.PLANNED, unit_id=unit.id, template_id=template.id,
        legal_basis="Kế hoạch kiểm tra công vụ của Ban Chỉ đạo CCHC tỉnh", decision_number=number,
        decision_date=start - timedelta(days=10), issuing_body_id=body.id, planned_start=start,
        planned_end=start + timedelta(days=1), place=unit.name)
    for step in ("schedule", "start"):
        transitions.change_state(leader, inspection, step)
    _fill(inspection, inspector, {code: note for code, (note, _rec) in failing.items()})
    transitions.change_state(inspector, inspection, "review")
    for finding in db.session.scalars(sa.select(Finding).where(Finding.inspection_id == inspection.id)).all():
        note, recommendation = failing[finding.item.code]
        if recommendation is None:
            findings.dismiss_finding(inspector, finding, note)
            continue
        findings.update_finding(inspector, finding, finding.row_version, recommendation=recommendation)
    _minutes_and_conclusion(inspection, inspector, leader, start)
    return db.session.scalars(sa.select(Finding).where(Finding.inspection_id == inspection.id,
                                                       Finding.code.is_not(None)).order_by(Finding.number)).all()


def seed_findings() -> int:
    """Findings in every state at UBND huyện Đắk Hà, some overdue and one repeat, so that `unithead` has
    work to do and `inspector` remediation to verify on first login. Only when there are none yet."""
    if db.session.scalar(sa.select(Finding.id).limit(1)):
        return 0
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == "H-DAKHA"))
    template = db.session.scalar(sa.select(ChecklistTemplate).where(
        ChecklistTemplate.family == "KTCV", ChecklistTemplate.status == TemplateStatus.PUBLISHED))
    body = db.session.scalar(sa.select(IssuingBody).where(IssuingBody.code == "BCD-CCHC"))
    if not (unit and template and body and {"leader", "inspector", "inspector2", "unithead"} <= users.keys()):
        return 0
    year = clock.local_today().year
    head, inspector, leader = users["unithead"], users["inspector"], users["leader"]
    photo = [("khac-phuc.jpg", _demo_photo())]
    last_year = _inspect_and_issue(
        "Kiểm tra công vụ năm %d tại UBND huyện Đắk Hà" % (year - 1), date(year - 1, 9, 15), "25/QĐ-BCĐ", {
            "KTCV-A03": ("02 công chức chơi game trong giờ làm việc", "Chấn chỉnh, kiểm điểm công chức vi phạm"),
            "KTCV-B02": ("Một số công chức không mặc đồng phục", "Thực hiện trang phục theo quy định"),
            "KTCV-B05": ("Có phản ánh về thái độ tại bộ phận một cửa", "Tổ chức tập huấn kỹ năng giao tiếp"),
            "KTCV-C03": ("Chưa công khai số đường dây nóng", "Công khai số điện thoại đường dây nóng"),
        }, users, unit, template, body)
    closed, submitted, overdue, reopened = last_year
    findings.respond(head, closed, FindingEventKind.PLAN, "Họp kiểm điểm trong tháng, báo cáo kết quả.")
    findings.respond(head, closed, FindingEventKind.PROGRESS, "Đã kiểm điểm 02 công chức, có biên bản.", photo)
    findings.submit_finding(head, closed, "Đề nghị Đoàn kiểm tra xem xét.")
    findings.accept_finding(inspector, closed, "Đạt yêu cầu.")
    findings.respond(head, submitted, FindingEventKind.PROGRESS, "Đã phổ biến quy định về trang phục.", photo)
    findings.submit_finding(head, submitted, "Đã khắc phục.")
    findings.respond(head, overdue, FindingEventKind.PLAN, "Tập huấn kỹ năng giao tiếp trong quý tới.")
    findings.respond(head, reopened, FindingEventKind.PROGRESS, "Đã niêm yết số đường dây nóng.")
    findings.submit_finding(head, reopened, "", no_evidence_reason="Ảnh chụp bảng niêm yết bị mất.")
    findings.reject_finding(inspector, reopened, "Cần ảnh chụp bảng niêm yết để xác minh.")
    this_year = _inspect_and_issue(
        "Kiểm tra công vụ đợt 1 năm %d tại UBND huyện Đắk Hà" % year, date(year, 1, 12), "3/QĐ-BCĐ", {
            "KTCV-B05": ("Vẫn còn phản ánh về thái độ tiếp dân", "Xử lý trách nhiệm người đứng đầu bộ phận"),
            "KTCV-C04": ("Chưa tiếp công dân định kỳ tháng 12", "Thực hiện lịch tiếp công dân định kỳ"),
            "KTCV-B04": ("Đã chấn chỉnh ngay tại buổi kiểm tra", None),
        }, users, unit, template, body)
    repeat, normal = this_year
    # Demo dates: some deadlines passed, one close (the service sets them from today when issuing).
    today = clock.local_today()
    overdue.due_date = today - timedelta(days=12)
    reopened.due_date = today - timedelta(days=3)
    repeat.due_date = today + timedelta(days=5)
    findings.extend_due_date(leader, normal, normal.due_date + timedelta(days=15), "Đơn vị đề nghị do trùng dịp Tết")
    db.session.commit()
    return len(last_year) + len(this_year)


# --- directive 517/BCĐ-NC and its tasks ----------------------------------------------------------

DIRECTIVE_FILE = Path(__file__).parent / "seed" / "directive-517.json"
# Who "all members" of the steering committee and "all districts" are among the demo units.
MEMBERS = ("VP-UBND", "SNV", "STC", "SKHDT", "STP", "STTTT", "CT-KT")
DISTRICTS = ("TP-KT", "H-DAKGLEI", "H-NGOCHOI", "H-DAKTO", "H-KONPLONG", "H-KONRAY", "H-DAKHA", "H-SATHAY",
             "H-TUMORONG", "H-IAHDRAI")
# Rank targets whose baseline the directive gives (field, places to gain, rank, among, year).
RANK_TARGETS = {
    "3d.1": (ParArea.INSTITUTIONS, 5, 60, 63, 2021),
    "3đ.1": (ParArea.DIGITAL_GOVERNMENT, 5, 61, 63, 2021),
    "3a.7": (ParArea.PROCEDURES, 1, 22, 63, 2021),
}


def _recipients(names: list[str], units: dict[str, Unit]) -> list[int]:
    by_name = {unit.name.casefold(): unit.id for unit in units.values()}
    ids = []
    for name in names:
        if name == "all members":
            ids += [units[code].id for code in MEMBERS]
        elif name == "all districts":
            ids += [units[code].id for code in DISTRICTS]
        else:
            ids += [unit_id for unit_name, unit_id in by_name.items() if unit_name.startswith(name.casefold())]
    return list(dict.fromkeys(ids))


def _task_fields(task: dict, directive_date: date) -> dict:
    due = None if task.get("due", "ongoing") == "ongoing" else date.fromisoformat(task["due"])
    fields = {"code": task["code"], "title": task["title"], "detail": task.get("detail", ""),
              "legal_basis": "; ".join(task.get("basis", [])), "due_date": due,
              "cycle": ReportingCycle.QUARTER if due is None else None}
    target = task.get("target")
    if task["code"] in RANK_TARGETS:
        area, places, rank, among, year = RANK_TARGETS[task["code"]]
        fields.update(par_area=area, target_kind=TargetKind.RANK, target_measure=target["measure"],
                      target_value=float(places), baseline_value=float(rank), baseline_of=among, baseline_year=year)
    elif target:
        fields["detail"] = "; ".join(filter(None, [fields["detail"], f"{target['measure']}: "
                                                   f"{target.get('value') or target.get('change', '')}"]))
    return fields


def seed_directive() -> int:
    """Directive 517/BCĐ-NC with its tasks given to the demo units, and a few reports, if it is missing."""
    data = json.loads(DIRECTIVE_FILE.read_text(encoding="utf-8"))
    if db.session.scalar(sa.select(Directive.id).where(Directive.number == data["directive"]["number"])):
        return 0
    units = {u.code: u for u in db.session.scalars(sa.select(Unit))}
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    leader = users["leader"]
    body = db.session.scalar(sa.select(IssuingBody).where(IssuingBody.code == "BCD-CCHC"))
    head = data["directive"]
    directive = directives.save_directive(
        leader, None, number=head["number"], issued_on=date.fromisoformat(head["date"]), issuing_body_id=body.id,
        subject=head["subject"], signer_name=head["signer"]["name"], signer_title=head["signer"]["title"])
    count = 0
    for task in data["tasks"]:
        parent = directives.save_task(leader, directive, None, directives.Assignment(
            _recipients(task["assignees"], units) if not task.get("subtasks") else [], []),
            **_task_fields(task, directive.issued_on))
        count += 1
        for sub in task.get("subtasks", []):
            directives.save_task(leader, directive, None, directives.Assignment(_recipients(task["assignees"], units), []),
                                 **_task_fields({**task, **sub, "detail": ""}, directive.issued_on), parent_id=parent.id)
            count += 1
    _report_on_tasks(users, units)
    _succeed_recipients(users["admin"], units)
    return count


def _report_on_tasks(users: dict[str, User], units: dict[str, Unit]) -> None:
    """The Đắk Hà and Sở Tư pháp heads have reported; one completion was evaluated."""
    def item(code: str, unit_code: str) -> FollowUpItem:
        return db.session.scalar(sa.select(FollowUpItem).join(DirectiveTask, DirectiveTask.id == FollowUpItem.task_id)
                                 .where(DirectiveTask.code == code, FollowUpItem.unit_id == units[unit_code].id))

    dak_ha, justice = users["unithead"], users["unithead2"]
    follow_ups.respond(dak_ha, item("1.2", "H-DAKHA"), FollowUpEventKind.REPORT,
                       "Đã kiểm tra 6/12 xã về kỷ luật, kỷ cương hành chính; chấn chỉnh 2 trường hợp đi muộn.")
    follow_ups.respond(dak_ha, item("1.4a", "H-DAKHA"), FollowUpEventKind.PLAN,
                       "Kế hoạch khắc phục: rà soát hồ sơ trễ hạn hằng tuần, nhắc việc trên Hệ thống một cửa điện tử.")
    follow_ups.respond(justice, item("3d.1", "STP"), FollowUpEventKind.REPORT,
                       "Đã tổ chức truyền thông chính sách cho 3 dự thảo nghị quyết.", numerator=48, denominator=63)
    completed = item("1.3", "STP")
    follow_ups.complete(justice, completed, "Đã quán triệt người được chọn khảo sát PAPI, PAR INDEX năm 2023.")
    follow_ups.evaluate(users["leader"], completed, follow_ups.proposed_outcome(completed),
                        "Báo cáo hoàn thành sau thời hạn 31/12/2023.")


# The 2025 reform renamed or merged several of the directive's recipients (domain-brief.md §9): their
# open tasks move to the successors, whose timelines say where they came from.
SUCCESSIONS = [
    # (old code, new code, new name, kind, from)
    ("STTTT", "SKHCN", "Sở Khoa học và Công nghệ", UnitKind.DEPARTMENT, date(2025, 3, 1)),
    ("SKHDT", "STC", None, None, date(2025, 3, 1)),
    ("CT-KT", "THUE-QNG", "Thuế tỉnh Quảng Ngãi", UnitKind.VERTICAL_AGENCY, date(2025, 7, 1)),
    ("BAO-KT", "BPTTH-QNG", "Báo và Phát thanh, Truyền hình Quảng Ngãi", UnitKind.PRESS, date(2025, 7, 1)),
    ("DPTTH", "BPTTH-QNG", None, None, date(2025, 7, 1)),
]


def _succeed_recipients(admin: User, units: dict[str, Unit]) -> None:
    for old, new, name, kind, on_date in SUCCESSIONS:
        if new not in units:
            units[new] = unit_service.create_unit(admin, code=new, name=name, kind=kind, valid_from=on_date)
        unit_service.succeed_unit(admin, units[old], units[new], on_date)


# --- the 2022 CCHC index -------------------------------------------------------------------------

# Field maxima: thể chế 10, TTHC 13 and tổ chức bộ máy 10.5 as the 2023 scoring shows (domain-brief.md §2);
# the others are the demo's, so that the eight make 100.
MAXIMA = {ParArea.LEADERSHIP: 9.0, ParArea.INSTITUTIONS: 10.0, ParArea.PROCEDURES: 13.0, ParArea.ORGANISATION: 10.5,
          ParArea.CIVIL_SERVICE: 13.0, ParArea.PUBLIC_FINANCE: 11.0, ParArea.DIGITAL_GOVERNMENT: 13.5,
          ParArea.IMPACT: 20.0}
# The fields on which some units lost many points in 2022 (the weaknesses the directive lists).
WEAK = {("H-DAKHA", ParArea.PROCEDURES): 0.62, ("H-DAKHA", ParArea.DIGITAL_GOVERNMENT): 0.7,
        ("STP", ParArea.INSTITUTIONS): 0.74, ("H-KONRAY", ParArea.ORGANISATION): 0.66,
        ("SNV", ParArea.PUBLIC_FINANCE): 0.78}
INDEX_UNITS = ("VP-UBND", "SNV", "STC", "STP", "TP-KT", "H-DAKGLEI", "H-NGOCHOI", "H-DAKTO", "H-KONPLONG",
               "H-KONRAY", "H-DAKHA", "H-SATHAY", "H-TUMORONG", "H-IAHDRAI")


def _index_result(code: str, unit: Unit, n: int) -> IndexResult:
    result = IndexResult(year=2022, unit_id=unit.id, maximum=100.0, total=0.0)
    for k, (area, maximum) in enumerate(MAXIMA.items()):
        share = WEAK.get((code, area), 0.82 + ((n * 7 + k * 3) % 15) / 100)
        result.scores.append(IndexScore(par_area=area, score=round(maximum * share, 2), maximum=maximum))
    procedures = next(s for s in result.scores if s.par_area == ParArea.PROCEDURES)
    if code == "H-DAKHA":  # the sub-criteria behind its procedures score: which one to remedy
        result.scores += [IndexScore(par_area=ParArea.PROCEDURES, criterion_code="III.2", score=1.5, maximum=4.0,
                                     criterion_label="Tỷ lệ hồ sơ TTHC giải quyết đúng hạn"),
                          IndexScore(par_area=ParArea.PROCEDURES, criterion_code="III.3", score=3.75, maximum=4.0,
                                     criterion_label="Công khai TTHC trên Cổng DVC"),
                          IndexScore(par_area=ParArea.PROCEDURES, criterion_code="III.1",
                                     score=round(procedures.score - 5.25, 2), maximum=5.0,
                                     criterion_label="Rà soát, đơn giản hóa TTHC")]
    result.total = round(sum(s.score for s in result.scores if not s.criterion_code), 2)
    return result


def seed_index() -> int:
    """The 2022 CCHC index of the demo's departments and districts, its weak fields proposed for
    remediation, most confirmed (due in the coming months, so the demo is live), one dismissed, and a
    few reports. Skipped when an index exists."""
    if db.session.scalar(sa.select(IndexResult.id).limit(1)):
        return 0
    units = {u.code: u for u in db.session.scalars(sa.select(Unit))}
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    results = [_index_result(code, units[code], n) for n, code in enumerate(INDEX_UNITS)]
    for rank, result in enumerate(sorted(results, key=lambda r: -r.total), start=1):
        result.rank, result.grade = rank, "Tốt" if result.total >= 85 else "Khá"
        db.session.add(result)
    db.session.commit()
    leader = users["leader"]
    follow_ups.propose_remediation(leader, cchc_index.weak_scores(2022, 0.8))
    db.session.commit()
    due = clock.local_today() + timedelta(days=90)
    proposed = db.session.scalars(sa.select(FollowUpItem).where(FollowUpItem.index_year == 2022)
                                  .order_by(FollowUpItem.id)).all()
    for item in proposed:
        if item.par_area == ParArea.PUBLIC_FINANCE:
            follow_ups.dismiss(leader, item, "Đã khắc phục trong năm 2023 theo kết luận thanh tra tài chính.")
        else:
            follow_ups.confirm(leader, item, due)
    on_time = next(i for i in proposed if i.criterion_code == "III.2")
    follow_ups.respond(users["unithead"], on_time, FollowUpEventKind.PLAN,
                       "Giao Văn phòng HĐND-UBND huyện theo dõi hồ sơ trễ hạn hằng tuần; nhắn tin nhắc cán bộ một cửa.")
    follow_ups.respond(users["unithead"], on_time, FollowUpEventKind.REPORT,
                       "Tỷ lệ hồ sơ đúng hạn quý này đạt 93,4 %.", files=[("bao-cao-ty-le.jpg", _demo_photo())])
    return len(results)


def seed_plan() -> int:
    """The steering committee's inspection plan of this year, drawn from the year's inspections,
    finalised and signed on 15 January, if there is no plan yet."""
    if db.session.scalar(sa.select(Document.id).where(Document.kind == DocumentKind.PLAN).limit(1)):
        return 0
    year = clock.local_today().year
    leader = db.session.scalar(sa.select(User).where(User.username == "leader"))
    body = db.session.scalar(sa.select(IssuingBody).where(IssuingBody.code == "BCD-CCHC"))
    plan = plan_documents.start_plan(leader, year, body)
    plan_documents.update_draft(leader, plan, plan.row_version, date(year, 1, 15), plan_documents.texts_of(plan) | {
        "signer_authority": "KT. TRƯỞNG BAN", "signer_title": "PHÓ TRƯỞNG BAN", "signer_name": leader.full_name})
    plan_documents.finalise_draft(leader, plan, render_body)
    plan_documents.upload_signed(leader, plan, "ke-hoach-da-ky.jpg", _demo_photo())
    return 1


def seed_report() -> int:
    """The report on the first half of this year to the steering committee, with its first drafts,
    finalised on 10 July, if there is no report yet."""
    if db.session.scalar(sa.select(Document.id).where(Document.kind == DocumentKind.REPORT).limit(1)):
        return 0
    year = clock.local_today().year
    leader = db.session.scalar(sa.select(User).where(User.username == "leader"))
    body = db.session.scalar(sa.select(IssuingBody).where(IssuingBody.code == "SNV"))
    start, end = period_reports.period_bounds("h1", year, None, None)
    report = period_reports.start_report(leader, body, start, end, "")
    period_reports.update_draft(leader, report, report.row_version, date(year, 7, 10),
                                period_reports.texts_of(report) | {"signer_name": leader.full_name,
                                                                   "signer_authority": "KT. GIÁM ĐỐC",
                                                                   "signer_title": "PHÓ GIÁM ĐỐC"})
    period_reports.finalise_draft(leader, report, render_body)
    return 1
