"""Every route of the URL map, walked as each role: built from the map, so a new route is covered
without anyone adding it here.

- Every POST without a CSRF token, or with another session's token, is refused (400) and changes nothing.
- A unit head asking for another unit's records (every id argument of every route) gets 404 or 403,
  never the record. A route with an id argument this module does not know fails until it is added
  to `foreign_ids`.
"""
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (AuditEvent, DocumentKind, FindingStatus, FollowUpEventKind, FollowUpItem, InspectionStatus,
                        Notification, Role, TemplateStatus)
from tests.conftest import login
from tests.factories import make_directive, make_finding, make_inspection, make_issuing_body, make_template, make_unit, make_user
from tests.images import png

ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def routes(app, method):
    return sorted((rule for rule in app.url_map.iter_rules() if rule.endpoint != "static" and method in rule.methods),
                  key=lambda rule: rule.rule)


def fill(rule, values: dict) -> str:
    """The rule's path with `values` for its arguments; `any(…)` takes its first choice."""
    def argument(match):
        name = match.group(2)
        converter = rule._converters[name]
        if hasattr(converter, "items"):
            return sorted(converter.items)[0]
        if name in values:
            return str(values[name])
        raise AssertionError(f"{rule.rule}: add {name!r} to foreign_ids in {__name__}")

    return ARGUMENT.sub(argument, rule.rule)


@pytest.fixture
def foreign_ids(app, instance):
    """Records of a unit the unit head does not belong to (nor its sub-units), one per id argument."""
    from app.services import directives, documents, evidence, follow_ups, notifications

    other_unit = make_unit(name="Đơn vị bí mật")
    lead = make_user(Role.INSPECTOR)
    inspection = make_inspection(status=InspectionStatus.IN_PROGRESS, unit=other_unit, lead=lead,
                                 template=make_template(status=TemplateStatus.PUBLISHED))
    item = inspection.template.sections[0].items[0]
    attachment = evidence.store_evidence(lead, inspection, item, "a.png", png())
    body = make_issuing_body()
    inspection.status, inspection.issuing_body_id = InspectionStatus.REVIEWING, body.id
    finding = make_finding(inspection, status=FindingStatus.OPEN)
    document = documents.start_document(lead, inspection, DocumentKind.MINUTES)
    other_head = make_user(Role.UNIT_HEAD, unit=other_unit)
    notifications.notify([other_head], "Bí mật", notifications.LIST)
    directive = make_directive(issuing_body=body)
    task = directives.save_task(make_user(Role.LEADER), directive, None, directives.Assignment([other_unit.id], []),
                                title="Nhiệm vụ bí mật", due_date=directive.issued_on)
    follow_up = db.session.scalar(sa.select(FollowUpItem).where(FollowUpItem.task_id == task.id))
    follow_ups.respond(other_head, follow_up, FollowUpEventKind.PLAN, "Kế hoạch", files=[("b.png", png())])
    db.session.commit()
    return {
        "unit_id": other_unit.id, "inspection_id": inspection.id, "finding_id": finding.id, "item_id": item.id,
        "section_id": item.section_id, "template_id": inspection.template_id, "attachment_id": attachment.id,
        "document_id": document.id, "sha": attachment.sha256, "user_id": other_head.id,
        "notification_id": db.session.scalar(sa.select(Notification.id)), "body_id": body.id,
        "filename": "x", "directive_id": directive.id, "task_id": task.id, "follow_up_id": follow_up.id, "year": 2022,
    }


def test_every_post_refuses_a_missing_or_foreign_csrf_token(app, foreign_ids):
    app.config["WTF_CSRF_ENABLED"] = True
    admin = make_user(Role.ADMIN)
    client = app.test_client()
    login_page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/auth/login", data={"username": admin.username, "password": "correct-horse-9", "csrf_token": token})
    assert client.get("/").status_code == 200
    stranger = app.test_client()
    foreign = re.search(r'value="([^"]+)"', stranger.get("/auth/login").get_data(as_text=True).split("csrf_token")[1])
    events = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    for rule in routes(app, "POST"):
        url = fill(rule, foreign_ids)
        for data in ({}, {"csrf_token": foreign.group(1)}):
            response = client.post(url, data=data)
            assert response.status_code == 400, (url, data, response.status_code)
            assert "Phiên làm việc đã hết hạn" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == events  # nothing was written


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_unit_head_gets_404_or_403_for_another_units_records(app, client, foreign_ids, method):
    head = make_user(Role.UNIT_HEAD)
    login(client, head)
    for rule in routes(app, method):
        if not rule._converters or rule.endpoint.startswith("auth."):
            continue
        url = fill(rule, foreign_ids)
        response = client.open(url, method=method)
        body = response.get_data(as_text=True)
        response.close()
        names_a_record = any(not hasattr(rule._converters[name], "items") for name in rule._converters)
        if names_a_record:
            assert response.status_code in (403, 404), (method, url, response.status_code)
        assert "Đơn vị bí mật" not in body and "Bí mật" not in body, url  # exports and lists too
