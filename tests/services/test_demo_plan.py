"""`flask seed-demo` issues this year's inspection plan of the steering committee, drawn from the demo's
inspections, finalised and signed, once; the demo's unit heads read it."""
from datetime import date

import sqlalchemy as sa

from app import clock
from app.demo import seed_demo, seed_plan
from app.extensions import db
from app.models import Document, DocumentKind, DocumentStatus, Inspection, InspectionStatus, User
from app.services import permissions, plan_documents


def test_the_demo_issues_the_years_plan_from_its_inspections(app, instance):
    assert seed_demo()["plans"] == 1 and seed_plan() == 0
    year = clock.local_today().year
    plan = db.session.scalar(sa.select(Document).where(Document.kind == DocumentKind.PLAN))
    assert (plan.status, plan.number, plan.date) == (DocumentStatus.SIGNED, "01/KH-BCĐ", date(year, 1, 15))
    assert plan.issuing_body.code == "BCD-CCHC" and plan.signed_scan is not None
    planned = db.session.scalars(sa.select(Inspection.id).where(
        Inspection.planned_start.between(date(year, 1, 1), date(year, 12, 31)),
        Inspection.status != InspectionStatus.CANCELLED)).all()
    assert sorted(row["id"] for row in plan.snapshot["rows"]) == sorted(planned) and planned
    assert "UBND huyện Kon Rẫy" not in plan.content_html  # cancelled before the plan
    assert "KT. TRƯỞNG BAN" in plan.content_html and "Nguyễn Văn Lãnh" in plan.content_html
    assert plan_documents.pending_changes(year) == (plan, {"added": [], "moved": [], "dropped": []})
    head = db.session.scalar(sa.select(User).where(User.username == "unithead"))
    assert db.session.scalar(permissions.visible_plans(head).where(Document.id == plan.id)) == plan
