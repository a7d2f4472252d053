"""Finding rules without HTTP: proposals, drafts, issuing, the unit's thread, verification, deadlines,
repeat findings, succession and reminders; every transition allowed and refused per role."""
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from app import clock
from app.extensions import db
from app.models import (
    Answer,
    AuditEvent,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Finding,
    FindingEventKind,
    FindingStatus,
    InspectionMember,
    InspectionStatus,
    Role,
    Severity,
    TeamRole,
    TemplateStatus,
)
from app.services import findings as service
from app.services import permissions, transitions, units
from app.services.errors import NotPermitted, ValidationFailed
from tests.factories import make_finding, make_inspection, make_template, make_unit, make_user
from tests.images import png

F = FindingStatus
K = FindingEventKind


@pytest.fixture
def sent(monkeypatch):
    """The notifications the services send: (usernames, text, link)."""
    messages = []
    monkeypatch.setattr("app.services.notifications.notify",
                        lambda users, text, link: messages.append((sorted(u.username for u in users), text, link)))
    return messages


@pytest.fixture
def head(inspection):
    """The head of the inspected unit."""
    return make_user(Role.UNIT_HEAD, unit=inspection.unit, username="head")


@pytest.fixture
def leader(app):
    return make_user(Role.LEADER)


def fail(inspection, item, note="Chưa niêm yết"):
    db.session.add(Answer(inspection_id=inspection.id, item_id=item.id, result="fail", note=note))
    db.session.commit()


def issued(inspection, status=F.OPEN, **overrides):
    return make_finding(inspection, status=status, **overrides)


def draft_fields(inspection, **overrides):
    values = {"title": "Không công khai thủ tục", "description": "", "legal_basis": "",
              "severity": Severity.SERIOUS, "recommendation": "Niêm yết đầy đủ", "unit_id": inspection.unit_id,
              "due_date": None}
    values.update(overrides)
    return values


# --- proposals and drafts ------------------------------------------------------------------------

def test_sending_for_review_proposes_one_prefilled_draft_per_failed_item(inspection, lead):
    first, second, third = inspection.template.items
    first.legal_basis, first.default_severity = "Nghị định 61/2018/NĐ-CP", Severity.VERY_SERIOUS
    for item in (first, second):
        fail(inspection, item)
    db.session.add(Answer(inspection_id=inspection.id, item_id=third.id, result="pass"))
    db.session.commit()
    with freeze_time("2026-03-10 10:00:00"):
        transitions.change_state(lead, inspection, "review")
        proposals = db.session.scalars(sa.select(Finding).order_by(Finding.id)).all()
    assert [f.item_id for f in proposals] == [first.id, second.id]
    finding = proposals[0]
    assert (finding.title, finding.legal_basis, finding.severity) == (first.question, "Nghị định 61/2018/NĐ-CP",
                                                                      Severity.VERY_SERIOUS)
    assert finding.status == F.DRAFT and not finding.confirmed and finding.description == "Chưa niêm yết"
    assert finding.due_date == date(2026, 3, 10) + timedelta(days=15)  # very serious: 15 days
    assert service.propose_findings(lead, inspection) == 0  # never twice for one item


def test_a_proposal_whose_item_passes_again_goes_away_unless_touched(inspection, lead, item):
    fail(inspection, item)
    assert service.propose_findings(lead, inspection) == 1
    answer = db.session.scalar(sa.select(Answer))
    answer.result = "pass"
    db.session.commit()
    service.propose_findings(lead, inspection)
    assert db.session.scalar(sa.select(sa.func.count(Finding.id))) == 0


def test_a_second_proposal_run_at_once_is_refused_not_doubled(inspection, lead, item):
    """A double tap on "propose": the run that reads the inspection before the other commits is refused."""
    from app.models import Inspection

    fail(inspection, item)
    inspection.row_version  # loaded: what this run read
    # Meanwhile the first run committed (its claim raised the row version).
    db.session.execute(sa.update(Inspection).where(Inspection.id == inspection.id)
                       .values(row_version=Inspection.row_version + 1).execution_options(synchronize_session=False))
    with pytest.raises(ValidationFailed):
        service.propose_findings(lead, inspection)
    assert db.session.scalar(sa.select(sa.func.count(Finding.id))) == 0


def test_team_adds_edits_confirms_and_dismisses_drafts(inspection, lead):
    finding = service.create_finding(lead, inspection, **draft_fields(inspection))
    assert finding.confirmed and finding.item_id is None
    assert finding.due_date == clock.local_today() + timedelta(days=30)
    service.update_finding(lead, finding, finding.row_version, **draft_fields(inspection, severity=Severity.MINOR))
    assert finding.due_date == clock.local_today() + timedelta(days=60)  # the proposal follows the severity
    with pytest.raises(ValidationFailed) as error:
        service.dismiss_finding(lead, finding, "  ")
    assert error.value.field == "reason"
    service.dismiss_finding(lead, finding, "Trùng với tồn tại số 1")
    assert finding.status == F.DISMISSED and finding.dismiss_reason == "Trùng với tồn tại số 1"
    service.restore_finding(lead, finding)
    assert finding.status == F.DRAFT


def test_a_stale_edit_is_refused(inspection, lead):
    finding = service.create_finding(lead, inspection, **draft_fields(inspection))
    version = finding.row_version
    service.update_finding(lead, finding, version, **draft_fields(inspection, title="Một"))
    with pytest.raises(ValidationFailed):
        service.update_finding(lead, finding, version, **draft_fields(inspection, title="Hai"))
    assert finding.title == "Một"


def test_the_responsible_unit_is_the_inspected_unit_or_a_sub_unit(inspection, lead):
    sub = make_unit(parent_id=inspection.unit_id)
    finding = service.create_finding(lead, inspection, **draft_fields(inspection, unit_id=sub.id))
    assert finding.unit_id == sub.id
    with pytest.raises(ValidationFailed) as error:
        service.create_finding(lead, inspection, **draft_fields(inspection, unit_id=make_unit().id))
    assert error.value.field == "unit_id"


# --- issuing -------------------------------------------------------------------------------------

def minutes_signed(inspection):
    """Findings are issued (with the conclusion notice, app.services.documents) once the minutes are signed."""
    inspection.status = InspectionStatus.MINUTES_SIGNED
    db.session.commit()
    return inspection


def test_leader_issues_confirmed_drafts_numbered_and_concludes(inspection, lead, leader, head, sent):
    inspection.decision_date = date(2026, 3, 1)
    first = service.create_finding(lead, inspection, **draft_fields(inspection, title="Thứ nhất"))
    second = service.create_finding(lead, inspection, **draft_fields(inspection, title="Thứ hai"))
    minutes_signed(inspection)
    assert service.issue_findings(leader, inspection) == 2
    assert inspection.status == InspectionStatus.CONCLUDED
    assert [first.code, second.code] == [f"KT-2026-{inspection.id:03d}/01", f"KT-2026-{inspection.id:03d}/02"]
    assert first.status == F.OPEN and [e.kind for e in first.events] == [K.ISSUED]
    assert [(users, link) for users, _, link in sent] == [
        (["head"], ("findings.detail", {"finding_id": first.id})), (["head"], ("findings.detail", {"finding_id": second.id}))]
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"issue", "conclude"} <= actions


def test_issuing_waits_for_every_proposal_to_be_confirmed_or_dismissed(inspection, lead, leader, item, sent):
    fail(inspection, item)
    service.propose_findings(lead, inspection)
    minutes_signed(inspection)
    with pytest.raises(ValidationFailed):
        service.issue_findings(leader, inspection)
    proposal = db.session.scalar(sa.select(Finding))
    service.dismiss_finding(lead, proposal, "Đã khắc phục tại chỗ")
    service.issue_findings(leader, inspection)
    assert proposal.status == F.DISMISSED and proposal.code is None
    assert inspection.status == InspectionStatus.CLOSED  # nothing to follow up


@pytest.mark.parametrize("who", ["lead", "inspector", "unit_head"])
def test_only_leaders_issue(inspection, lead, who):
    actor = lead if who == "lead" else make_user(Role(who))
    minutes_signed(inspection)
    with pytest.raises(NotPermitted):
        service.issue_findings(actor, inspection)


def test_findings_are_issued_only_once_the_minutes_are_signed(inspection, leader):
    with pytest.raises(NotPermitted):
        service.issue_findings(leader, inspection)  # still in progress
    inspection.status = InspectionStatus.REVIEWING
    db.session.commit()
    with pytest.raises(NotPermitted):
        service.issue_findings(leader, inspection)  # under review: the minutes are not signed yet


# --- every transition, per role ------------------------------------------------------------------

ROLES = ["admin", "leader", "team_lead", "team_member", "other_inspector", "unit_head", "other_unit_head"]


@pytest.fixture
def actors(inspection, lead):
    member = make_user(Role.INSPECTOR)
    db.session.add(InspectionMember(inspection_id=inspection.id, user_id=member.id, role=TeamRole.MEMBER))
    db.session.commit()
    return {"admin": make_user(Role.ADMIN), "leader": make_user(Role.LEADER), "team_lead": lead,
            "team_member": member, "other_inspector": make_user(Role.INSPECTOR),
            "unit_head": make_user(Role.UNIT_HEAD, unit=inspection.unit), "other_unit_head": make_user(Role.UNIT_HEAD)}


def _files():
    return [("anh.png", png())]


ACTIONS = {
    # name: (starting status, call, roles allowed, status after)
    "plan": (F.OPEN, lambda a, f: service.respond(a, f, K.PLAN, "Kế hoạch"), {"unit_head"}, F.IN_PROGRESS),
    "progress_after_send_back": (F.REOPENED, lambda a, f: service.respond(a, f, K.PROGRESS, "Đã sửa"),
                                 {"unit_head"}, F.IN_PROGRESS),
    "comment": (F.OPEN, lambda a, f: service.respond(a, f, K.COMMENT, "Ý kiến"),
                {"admin", "leader", "team_lead", "team_member", "unit_head"}, F.OPEN),
    "submit": (F.IN_PROGRESS, lambda a, f: service.submit_finding(a, f, "Xong", _files()), {"unit_head"},
               F.SUBMITTED),
    "accept": (F.SUBMITTED, lambda a, f: service.accept_finding(a, f), {"admin", "leader", "team_lead"}, F.CLOSED),
    "send_back": (F.SUBMITTED, lambda a, f: service.reject_finding(a, f, "Chưa đủ"), {"admin", "leader", "team_lead"},
                  F.REOPENED),
    "extend": (F.OPEN, lambda a, f: service.extend_due_date(a, f, f.due_date + timedelta(days=10), "Chờ kinh phí"),
               {"admin", "leader"}, F.OPEN),
    "reassign": (F.OPEN, lambda a, f: service.reassign_finding(a, f, make_unit(), "Chuyển"), {"admin", "leader"},
                 F.OPEN),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_transitions_per_role(inspection, actors, instance, sent, action, role):
    start, call, allowed, after = ACTIONS[action]
    inspection.status = InspectionStatus.CONCLUDED
    finding = issued(inspection, status=start)
    if role in allowed:
        call(actors[role], finding)
        assert finding.status == after
        assert finding.events[-1].author_id == actors[role].id
    else:
        with pytest.raises(NotPermitted):
            call(actors[role], finding)
        db.session.rollback()
        assert db.session.get(Finding, finding.id).status == start and not finding.events


DRAFT_ACTIONS = {
    "edit": lambda a, f: service.update_finding(a, f, f.row_version, title="Sửa"),
    "dismiss": lambda a, f: service.dismiss_finding(a, f, "Không phải tồn tại"),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(DRAFT_ACTIONS))
def test_draft_actions_per_role(inspection, actors, action, role):
    finding = make_finding(inspection)
    if role in {"admin", "leader", "team_lead", "team_member"}:
        DRAFT_ACTIONS[action](actors[role], finding)
    else:
        with pytest.raises(NotPermitted):
            DRAFT_ACTIONS[action](actors[role], finding)


@pytest.mark.parametrize("status", [F.DRAFT, F.OPEN, F.CLOSED, F.REOPENED])
def test_states_that_cannot_be_submitted_or_verified(inspection, actors, status):
    finding = issued(inspection, status=status) if status != F.DRAFT else make_finding(inspection)
    with pytest.raises(NotPermitted):
        service.submit_finding(actors["unit_head"], finding, "", no_evidence_reason="Không có")
    with pytest.raises(NotPermitted):
        service.accept_finding(actors["leader"], finding)


def test_sub_unit_head_cannot_act_for_the_parent_unit_but_parent_head_can_for_sub_units(inspection, actors):
    sub = make_unit(parent_id=inspection.unit_id)
    finding = issued(inspection, unit_id=sub.id)
    service.respond(actors["unit_head"], finding, K.PLAN, "Chỉ đạo đơn vị cấp dưới")
    sub_head = make_user(Role.UNIT_HEAD, unit=sub)
    parent_finding = issued(inspection)
    with pytest.raises(NotPermitted):
        service.respond(sub_head, parent_finding, K.PLAN, "Không phải việc của tôi")


# --- the unit's side and verification ------------------------------------------------------------

def test_submitting_needs_evidence_or_a_reason(inspection, head, instance, sent):
    inspection.status = InspectionStatus.CONCLUDED
    finding = issued(inspection, status=F.IN_PROGRESS)
    with pytest.raises(ValidationFailed) as error:
        service.submit_finding(head, finding, "Đã khắc phục")
    assert error.value.field == "no_evidence_reason"
    service.submit_finding(head, finding, "Đã khắc phục", no_evidence_reason="Việc sửa là quy trình nội bộ")
    assert finding.status == F.SUBMITTED
    assert finding.events[-1].no_evidence_reason == "Việc sửa là quy trình nội bộ"


def test_evidence_posted_with_progress_counts_for_the_submission(inspection, head, lead, instance, sent):
    inspection.status = InspectionStatus.CONCLUDED
    finding = issued(inspection)
    event = service.respond(head, finding, K.PROGRESS, "Đã niêm yết", [("niem-yet.png", png())])
    assert [a.original_name for a in event.attachments] == ["niem-yet.png"]
    service.submit_finding(head, finding, "Đề nghị kiểm tra")
    assert sent[-1][0] == [lead.username] and finding.code in sent[-1][1]


def test_a_bad_file_refuses_the_report_and_keeps_nothing(inspection, head, instance):
    inspection.status = InspectionStatus.CONCLUDED
    finding = issued(inspection)
    with pytest.raises(ValidationFailed):
        service.respond(head, finding, K.PROGRESS, "Ảnh hỏng", [("hong.jpg", b"not an image")])
    db.session.rollback()
    assert finding.status == F.OPEN and not db.session.get(Finding, finding.id).events


def test_send_back_needs_a_reason_and_reopens(inspection, lead, head, sent):
    inspection.status = InspectionStatus.CONCLUDED
    finding = issued(inspection, status=F.SUBMITTED)
    with pytest.raises(ValidationFailed):
        service.reject_finding(lead, finding, "")
    service.reject_finding(lead, finding, "Ảnh chưa rõ")
    assert finding.status == F.REOPENED and sent[-1][0] == ["head"] and "Ảnh chưa rõ" in sent[-1][1]


def test_the_inspection_closes_with_its_last_finding(inspection, lead):
    inspection.status = InspectionStatus.CONCLUDED
    first = issued(inspection, status=F.SUBMITTED)
    second = issued(inspection, status=F.SUBMITTED)
    make_finding(inspection, status=F.DISMISSED)
    service.accept_finding(lead, first)
    assert first.closed_by_id == lead.id and inspection.status == InspectionStatus.CONCLUDED
    service.accept_finding(lead, second, "Đạt")
    assert inspection.status == InspectionStatus.CLOSED
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.entity == "inspection",
                                                         AuditEvent.action == "close")) is not None


def test_extension_must_be_later_with_a_reason(inspection, leader, head, sent):
    finding = issued(inspection, due_date=date(2026, 5, 1))
    with pytest.raises(ValidationFailed) as error:
        service.extend_due_date(leader, finding, date(2026, 4, 1), "Lý do")
    assert error.value.field == "new_due_date"
    with pytest.raises(ValidationFailed) as error:
        service.extend_due_date(leader, finding, date(2026, 6, 1), "")
    assert error.value.field == "reason"
    event = service.extend_due_date(leader, finding, date(2026, 6, 1), "Chờ bố trí kinh phí")
    assert finding.due_date == date(2026, 6, 1)
    assert (event.previous_due_date, event.new_due_date) == (date(2026, 5, 1), date(2026, 6, 1))
    assert sent[-1][0] == ["head"]


def test_reassigning_tells_the_new_unit(inspection, leader, sent):
    other = make_unit()
    make_user(Role.UNIT_HEAD, unit=other, username="newhead")
    finding = issued(inspection)
    event = service.reassign_finding(leader, finding, other, "Thuộc thẩm quyền đơn vị khác")
    assert finding.unit_id == other.id and (event.from_unit_id, event.to_unit_id) == (inspection.unit_id, other.id)
    assert sent[-1][0] == ["newhead"]


def test_succession_moves_open_findings_with_an_event(inspection, sent):
    admin = make_user(Role.ADMIN)
    successor = make_unit()
    moving = issued(inspection)
    done = issued(inspection, status=F.CLOSED)
    units.succeed_unit(admin, inspection.unit, successor, date(2026, 7, 1))
    assert moving.unit_id == successor.id and done.unit_id == inspection.unit_id
    event = moving.events[-1]
    assert event.kind == K.MOVED and inspection.unit.name in event.text and successor.name in event.text


def test_history_is_append_only(inspection, head):
    inspection.status = InspectionStatus.CONCLUDED
    finding = issued(inspection)
    service.respond(head, finding, K.PLAN, "Kế hoạch 1")
    service.respond(head, finding, K.PROGRESS, "Đã làm 1")
    assert [(e.kind, e.text) for e in service.timeline(finding)] == [(K.PLAN, "Kế hoạch 1"), (K.PROGRESS, "Đã làm 1")]


# --- visibility ----------------------------------------------------------------------------------

def test_who_sees_which_findings(inspection, actors):
    draft = make_finding(inspection)
    open_ = issued(inspection)
    elsewhere = issued(make_inspection(status=InspectionStatus.CONCLUDED))

    def seen(role):
        return set(db.session.scalars(permissions.visible_findings(actors[role]).with_only_columns(Finding.id)))

    assert seen("leader") == seen("admin") == {draft.id, open_.id, elsewhere.id}
    assert seen("team_member") == {draft.id, open_.id}
    assert seen("other_inspector") == set()
    assert seen("unit_head") == {open_.id}  # never a draft
    assert seen("other_unit_head") == set()


# --- deadlines -----------------------------------------------------------------------------------

def test_overdue_follows_the_vietnamese_calendar_day(inspection):
    finding = issued(inspection, due_date=date(2026, 5, 1))
    # 1 May 23:30 in Hà Nội is still 1 May: due today, not overdue.
    with freeze_time("2026-05-01 16:30:00"):
        today = clock.local_today()
        assert today == date(2026, 5, 1) and not finding.is_overdue(today) and finding.is_due_soon(today)
        assert db.session.scalar(sa.select(Finding.id).where(service.overdue_clause(today))) is None
    # 17:30 UTC is already 2 May 00:30 in Hà Nội: overdue, although it is still 1 May in UTC.
    with freeze_time("2026-05-01 17:30:00"):
        today = clock.local_today()
        assert today == date(2026, 5, 2) and finding.is_overdue(today)
        assert db.session.scalar(sa.select(Finding.id).where(service.overdue_clause(today))) == finding.id
    finding.status = F.CLOSED
    assert not finding.is_overdue(date(2026, 6, 1))


def test_reminders_once_per_finding_and_kind(inspection, head, leader, sent):
    soon = issued(inspection, due_date=date(2026, 5, 3))
    late = issued(inspection, due_date=date(2026, 4, 20))
    issued(inspection, due_date=date(2026, 6, 1))
    assert service.remind_deadlines(date(2026, 5, 1)) == 2
    assert {code for _, text, _ in sent for code in re.findall(r"KT-\S+/\d+", text)} == {soon.code, late.code}
    assert service.remind_deadlines(date(2026, 5, 2)) == 0
    service.extend_due_date(leader, late, date(2026, 5, 30), "Gia hạn")
    sent.clear()
    # The extended finding is due soon again; the other one is overdue by now: one reminder each.
    assert service.remind_deadlines(date(2026, 5, 28)) == 2
    # (in the default language: "… KT-…/06 đã quá hạn khắc phục từ ngày 03/05/2026.")
    reminders = {(re.search(r"KT-\S+/\d+", text).group(), re.search(r"\d\d/\d\d/\d{4}", text).group(),
                  "quá hạn" in text) for _, text, _ in sent}
    assert reminders == {(late.code, "30/05/2026", False), (soon.code, "03/05/2026", True)}
    assert service.remind_deadlines(date(2026, 5, 28)) == 0


# --- repeat findings -----------------------------------------------------------------------------

def template_version(family, version, code="A01"):
    template = ChecklistTemplate(family=family, version=version, name=f"{family} v{version}",
                                 status=TemplateStatus.PUBLISHED)
    section = ChecklistSection(position=0, code="A", title="Phần A")
    section.items = [ChecklistItem(position=0, code=code, question=f"Câu hỏi {family} v{version}",
                                   answer_type="pass_fail")]
    template.sections.append(section)
    db.session.add(template)
    db.session.commit()
    return template


def test_repeat_findings_across_template_versions(app):
    unit = make_unit()
    lead = make_user()
    old = make_inspection(unit=unit, lead=lead, template=template_version("KTCV", 1),
                          status=InspectionStatus.CLOSED, planned_start=date(2025, 3, 1), planned_end=date(2025, 3, 2))
    earlier = make_finding(old, status=F.CLOSED, item_id=old.template.items[0].id)
    # The same item code in version 2 of the same checklist, at the same unit: a repeat.
    new = make_inspection(unit=unit, lead=lead, template=template_version("KTCV", 2),
                          status=InspectionStatus.IN_PROGRESS)
    fail(new, new.template.items[0])
    service.propose_findings(lead, new)
    repeat = db.session.scalar(sa.select(Finding).where(Finding.inspection_id == new.id))
    assert repeat.repeat_of_id == earlier.id
    # Another checklist with the same item code, or another unit: not a repeat.
    other = make_inspection(unit=unit, lead=lead, template=template_version("PAR", 1),
                            status=InspectionStatus.IN_PROGRESS)
    fail(other, other.template.items[0])
    elsewhere = make_inspection(lead=lead, template=new.template, status=InspectionStatus.IN_PROGRESS)
    fail(elsewhere, elsewhere.template.items[0])
    service.propose_findings(lead, other)
    service.propose_findings(lead, elsewhere)
    assert db.session.scalar(sa.select(sa.func.count(Finding.id)).where(Finding.repeat_of_id.is_not(None))) == 1


def test_a_dismissed_earlier_finding_does_not_make_a_repeat(app):
    unit, lead = make_unit(), make_user()
    template = make_template(status=TemplateStatus.PUBLISHED, items=1)
    old = make_inspection(unit=unit, lead=lead, template=template, status=InspectionStatus.CLOSED,
                          planned_start=date(2025, 3, 1), planned_end=date(2025, 3, 2))
    make_finding(old, status=F.DISMISSED, item_id=template.items[0].id)
    new = make_inspection(unit=unit, lead=lead, template=template, status=InspectionStatus.IN_PROGRESS)
    fail(new, template.items[0])
    service.propose_findings(lead, new)
    assert db.session.scalar(sa.select(Finding.repeat_of_id).where(Finding.inspection_id == new.id)) is None


def test_counts_in_one_query(inspection):
    today = date.today()
    issued(inspection, due_date=today - timedelta(days=1))
    issued(inspection, due_date=today + timedelta(days=3))
    issued(inspection, status=F.CLOSED)
    make_finding(inspection)
    counts = service.counts(permissions.visible_findings(make_user(Role.LEADER)), today)
    assert counts == {"open": 2, "overdue": 1, "due_soon": 1, "closed": 1, "draft": 1}


def test_the_files_of_many_findings_are_read_in_one_query(inspection, lead):
    """Each finding gets its item's answer's photos, its own and its events' files, as files_of says."""
    from app.models import Attachment, FindingEvent

    first_item, second_item = db.session.scalars(sa.select(ChecklistItem).order_by(ChecklistItem.id).limit(2))
    fail(inspection, first_item)
    answer_id = db.session.scalar(sa.select(Answer.id).where(Answer.item_id == first_item.id))
    same_item, other_item, no_item = (make_finding(inspection, item_id=first_item.id),
                                      make_finding(inspection, item_id=second_item.id), make_finding(inspection))
    event = FindingEvent(finding_id=other_item.id, kind=FindingEventKind.PROGRESS, author_id=lead.id)
    db.session.add(event)
    db.session.flush()

    def file(**owner):
        attachment = Attachment(sha256="0" * 64, original_name="a.png", mime_type="image/png", size=1, **owner)
        db.session.add(attachment)
        return attachment

    photo, own, followed_up = file(answer_id=answer_id), file(finding_id=no_item.id), file(finding_event_id=event.id)
    db.session.commit()
    ids = [same_item.id, other_item.id, no_item.id]
    assert service.files_by_finding(ids) == {same_item.id: [photo], other_item.id: [followed_up], no_item.id: [own]}
    assert [service.files_of(db.session.get(Finding, i)) for i in ids] == [[photo], [followed_up], [own]]
