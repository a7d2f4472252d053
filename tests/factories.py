"""Plain functions that add, commit and return a model, with overridable defaults."""
import itertools

from flask import current_app

from app.extensions import db
from app.models import IssuingBody, Role, Unit, UnitKind, User

PASSWORD = "correct-horse-9"
_sequence = itertools.count(1)


def make_unit(**overrides) -> Unit:
    n = next(_sequence)
    fields = {"code": f"U{n}", "name": f"Đơn vị {n}", "kind": UnitKind.DEPARTMENT, "active": True}
    fields.update(overrides)
    unit = Unit(**fields)
    db.session.add(unit)
    db.session.commit()
    return unit


def make_user(role: Role = Role.INSPECTOR, password: str = PASSWORD, **overrides) -> User:
    n = next(_sequence)
    if role == Role.UNIT_HEAD and "unit" not in overrides and "unit_id" not in overrides:
        overrides["unit"] = make_unit()
    fields = {"username": f"user{n}", "full_name": f"Người dùng {n}", "role": role}
    fields.update(overrides)
    user = User(**fields)
    user.set_password(password, current_app.config["PASSWORD_HASH_METHOD"])
    db.session.add(user)
    db.session.commit()
    return user


def make_issuing_body(**overrides) -> IssuingBody:
    n = next(_sequence)
    fields = {"code": f"IB{n}", "name": f"Cơ quan {n}", "abbreviation": f"CQ{n}", "place_name": "Kon Tum"}
    fields.update(overrides)
    body = IssuingBody(**fields)
    db.session.add(body)
    db.session.commit()
    return body


def make_template(status=None, items=2, **overrides):
    """A checklist template with one section and `items` pass/fail items (a draft unless told)."""
    from app.models import AnswerType, ChecklistItem, ChecklistSection, ChecklistTemplate, TemplateStatus

    n = next(_sequence)
    fields = {"family": f"T{n}", "version": 1, "name": f"Phiếu kiểm tra {n}",
              "status": status or TemplateStatus.DRAFT}
    fields.update(overrides)
    template = ChecklistTemplate(**fields)
    section = ChecklistSection(position=0, code="A", title="Phần A")
    section.items = [ChecklistItem(position=i, code=f"A{i + 1:02d}", question=f"Câu hỏi {i + 1}",
                                   answer_type=AnswerType.PASS_FAIL) for i in range(items)]
    template.sections.append(section)
    db.session.add(template)
    db.session.commit()
    return template


def make_inspection(status=None, template=None, unit=None, lead=None, members=(), **overrides):
    """An inspection of `unit` with a published template and a team led by `lead` (made when missing)."""
    from datetime import date

    from app.models import Inspection, InspectionKind, InspectionMember, InspectionStatus, TeamRole, TemplateStatus

    template = template or make_template(status=TemplateStatus.PUBLISHED)
    fields = {"title": "Kiểm tra công vụ", "kind": InspectionKind.PLANNED, "unit_id": (unit or make_unit()).id,
              "template_id": template.id, "planned_start": date(2026, 3, 10), "planned_end": date(2026, 3, 12),
              "status": status or InspectionStatus.DRAFT}
    fields.update(overrides)
    inspection = Inspection(**fields)
    lead = lead or make_user(Role.INSPECTOR)
    inspection.members = [InspectionMember(user_id=lead.id, role=TeamRole.LEAD)] + [
        InspectionMember(user_id=user.id, role=TeamRole.MEMBER) for user in members]
    db.session.add(inspection)
    db.session.commit()
    return inspection


def make_finding(inspection=None, status=None, **overrides):
    """A finding of `inspection` (one made when missing), responsible unit the inspected unit; an issued
    status gets a code and a due date 30 days ahead unless told."""
    from datetime import date, timedelta

    from app.models import Finding, FindingStatus, Severity

    inspection = inspection or make_inspection()
    status = status or FindingStatus.DRAFT
    n = next(_sequence)
    fields = {"inspection_id": inspection.id, "unit_id": inspection.unit_id, "title": f"Tồn tại {n}",
              "description": "Mô tả", "severity": Severity.MINOR, "recommendation": "Khắc phục ngay",
              "status": status, "confirmed": True, "due_date": date.today() + timedelta(days=30)}
    if status != FindingStatus.DRAFT:
        fields |= {"number": n, "code": f"KT-2026-{inspection.id:03d}/{n:02d}"}
    fields.update(overrides)
    finding = Finding(**fields)
    db.session.add(finding)
    db.session.commit()
    return finding


def make_answer(inspection, item, **values):
    """An answer to `item` in `inspection` (result="pass" unless told); its outcome follows from the
    flush listener, and the inspection's score rows are rewritten as the end of field work does."""
    from app.models import Answer
    from app.models.report import refresh_scores

    answer = Answer(inspection_id=inspection.id, item_id=item.id, **({"result": "pass"} | values))
    db.session.add(answer)
    refresh_scores(db.session, [inspection.id])
    db.session.commit()
    return answer


def make_directive(issuing_body=None, **overrides):
    """A directive of `issuing_body` (a new one unless given), dated 02/03/2023 unless told."""
    from datetime import date

    from app.models import Directive

    n = next(_sequence)
    fields = {"number": f"{n}/BCĐ-NC", "issued_on": date(2023, 3, 2), "subject": f"Nhiệm vụ trọng tâm {n}",
              "issuing_body": issuing_body or make_issuing_body()}
    fields.update(overrides)
    directive = Directive(**fields)
    db.session.add(directive)
    db.session.commit()
    return directive
