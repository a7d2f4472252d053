"""`flask seed-demo` issues this year's inspection plan of the steering committee, drawn from the demo's
inspections, finalised and signed, once (the demo's unit heads read it), and the report on the first
half of the year with the dashboard's figures."""
from datetime import date

import sqlalchemy as sa

from app import clock
from app.demo import seed_demo, seed_plan, seed_report
from app.extensions import db
from app.models import Document, DocumentKind, DocumentStatus, Inspection, InspectionStatus, User
from app.services import permissions, plan_documents, reports


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


def test_the_demo_reports_on_the_first_half_year_with_the_dashboards_figures(app, instance):
    assert seed_demo()["reports"] == 1 and seed_report() == 0
    year = clock.local_today().year
    report = db.session.scalar(sa.select(Document).where(Document.kind == DocumentKind.REPORT))
    assert (report.status, report.number) == (DocumentStatus.FINAL, "01/BC-SNV")
    assert (report.period_start, report.period_end) == (date(year, 1, 1), date(year, 6, 30))
    leader = db.session.scalar(sa.select(User).where(User.username == "leader"))
    figures = reports.period_figures(leader, date(year, 1, 1), date(year, 6, 30), report.locked_at.date())
    frozen = report.snapshot["figures"]
    assert frozen["totals"]["planned"] == figures.totals["planned"] > 0
    assert frozen["findings"]["issued"] == figures.findings.issued
    assert "6 tháng đầu năm" in report.content_html and "điểm bình quân đạt" in report.texts["achievements"] and "KẾT QUẢ KIỂM TRA THEO CƠ QUAN, ĐƠN VỊ" in report.content_html
