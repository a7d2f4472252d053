"""Inspection rules without HTTP: rights, validation, team, optimistic locking and states."""
from datetime import date

import pytest

from app.extensions import db
from app.models import AuditEvent, InspectionKind, InspectionStatus, Role, TeamRole, TemplateStatus
from app.services import inspections as service
from app.services import permissions, transitions
from app.services.errors import NotPermitted, ValidationFailed
from tests.factories import make_inspection, make_issuing_body, make_template, make_unit, make_user

S = InspectionStatus


@pytest.fixture
def leader(app):
    return make_user(Role.LEADER)


def fields(**overrides):
    values = {"title": "Kiểm tra CCHC", "kind": InspectionKind.PLANNED, "unit_id": make_unit().id,
              "template_id": make_template(status=TemplateStatus.PUBLISHED).id,
              "planned_start": date(2026, 4, 1), "planned_end": date(2026, 4, 2)}
    values.update(overrides)
    return values


def team(lead, *members):
    return [service.TeamMember(lead.id, TeamRole.LEAD)] + [service.TeamMember(m.id, TeamRole.MEMBER) for m in members]


def test_create_as_draft_with_team_and_audit(leader):
    lead, member = make_user(), make_user()
    inspection = service.create_inspection(leader, team(lead, member), **fields())
    assert inspection.status == S.DRAFT and inspection.lead == lead
    assert inspection.role_of(member) == TeamRole.MEMBER
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.entity == "inspection"))
    assert event.action == "create" and event.changes["team"][1] == sorted([f"{lead.id}:lead", f"{member.id}:member"])


def test_only_managers_create(app):
    with pytest.raises(NotPermitted):
        service.create_inspection(make_user(Role.INSPECTOR), team(make_user()), **fields())


@pytest.mark.parametrize("bad, field", [
    ({"planned_end": date(2026, 3, 1)}, "planned_end"),
    ({"decision_number": "12/QĐ-BCĐ"}, "decision_date"),
])
def test_invalid_values_are_refused(leader, bad, field):
    with pytest.raises(ValidationFailed) as error:
        service.create_inspection(leader, team(make_user()), **fields(**bad))
    assert field in [f for f, _ in error.value.problems]


def test_draft_template_and_teams_without_one_lead_are_refused(leader):
    with pytest.raises(ValidationFailed) as error:
        service.create_inspection(leader, [service.TeamMember(make_user().id, TeamRole.MEMBER)],
                                  **fields(template_id=make_template().id))
    assert {"template_id", "lead_id"} <= {f for f, _ in error.value.problems}


def test_unit_heads_cannot_be_team_members(leader):
    with pytest.raises(ValidationFailed):
        service.create_inspection(leader, team(make_user(Role.UNIT_HEAD)), **fields())


def test_decision_number_unique_per_issuing_body_and_year(leader):
    body = make_issuing_body()
    decided = {"decision_number": "12/QĐ-BCĐ", "issuing_body_id": body.id}
    service.create_inspection(leader, team(make_user()), **fields(**decided, decision_date=date(2025, 3, 1)))
    with pytest.raises(ValidationFailed) as error:
        service.create_inspection(leader, team(make_user()), **fields(**decided, decision_date=date(2025, 9, 1)))
    assert error.value.field == "decision_number"
    # Another year, or another issuing body, may use the same number.
    service.create_inspection(leader, team(make_user()), **fields(**decided, decision_date=date(2026, 1, 5)))
    service.create_inspection(leader, team(make_user()), **fields(
        decision_number="12/QĐ-BCĐ", issuing_body_id=make_issuing_body().id, decision_date=date(2025, 3, 1)))


def test_stale_edit_is_refused(leader):
    inspection = make_inspection()
    version = inspection.row_version
    lead = inspection.lead
    service.update_inspection(leader, inspection, team(lead), version, title="Tên mới")
    with pytest.raises(ValidationFailed):  # the form was made from an older version
        service.update_inspection(leader, inspection, team(lead), version, title="Tên của tab cũ")
    assert inspection.title == "Tên mới"


def test_changing_a_members_role_keeps_one_row_per_person(leader):
    member = make_user()
    inspection = make_inspection(members=[member])
    old_lead = inspection.lead
    service.update_inspection(leader, inspection, [service.TeamMember(member.id, TeamRole.LEAD),
                                                   service.TeamMember(old_lead.id, TeamRole.SECRETARY)],
                              inspection.row_version)
    assert inspection.lead == member and inspection.role_of(old_lead) == TeamRole.SECRETARY


def test_visibility_by_role(app):
    lead, outsider = make_user(), make_user()
    unit = make_unit()
    head = make_user(Role.UNIT_HEAD, unit=unit)
    inspection = make_inspection(unit=unit, lead=lead)
    assert permissions.can_view_inspection(lead, inspection) and permissions.can_view_inspection(make_user(Role.LEADER), inspection)
    assert not permissions.can_view_inspection(outsider, inspection)
    assert not permissions.can_view_inspection(head, inspection)  # not before the minutes exist
    inspection.status = S.MINUTES_SIGNED
    db.session.commit()
    assert permissions.can_view_inspection(head, inspection)
    assert not permissions.can_view_inspection(make_user(Role.UNIT_HEAD), inspection)


def test_state_changes(leader):
    inspection = make_inspection()
    with pytest.raises(ValidationFailed):  # no decision yet
        transitions.change_state(leader, inspection, "schedule")
    inspection.decision_number, inspection.decision_date = "1/QĐ-SNV", date(2026, 3, 1)
    db.session.commit()
    transitions.change_state(leader, inspection, "schedule")
    with pytest.raises(ValidationFailed):
        transitions.change_state(leader, inspection, "schedule")  # not from scheduled
    transitions.change_state(inspection.lead, inspection, "start")  # the team starts its own field work
    assert inspection.status == S.IN_PROGRESS
    actions = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.entity == "inspection")).all()
    assert actions == ["schedule", "start"]


def test_cancel_needs_a_leader_and_a_reason(leader):
    inspection = make_inspection()
    with pytest.raises(NotPermitted):
        transitions.change_state(inspection.lead, inspection, "cancel", "ốm")
    with pytest.raises(ValidationFailed):
        transitions.change_state(leader, inspection, "cancel", " ")
    transitions.change_state(leader, inspection, "cancel", "Đơn vị sáp nhập")
    assert inspection.status == S.CANCELLED
    assert service.available_transitions(leader, inspection) == []


def test_scheduled_inspection_keeps_its_decision_number(leader):
    inspection = make_inspection(status=S.SCHEDULED, decision_number="3/QĐ-SNV", decision_date=date(2026, 2, 1),
                                 issuing_body_id=make_issuing_body().id)
    with pytest.raises(ValidationFailed):
        service.update_inspection(leader, inspection, team(inspection.lead), inspection.row_version,
                                  decision_number=None)


def test_decision_number_spaces_are_tidied(leader):
    inspection = service.create_inspection(leader, team(make_user()), **fields(
        decision_number="  12/QĐ-BCĐ ", decision_date=date(2026, 1, 2), issuing_body_id=make_issuing_body().id))
    assert inspection.decision_number == "12/QĐ-BCĐ"
