"""The main pages of each role are valid HTML (the Nu HTML checker) and have no serious or critical
accessibility violation (axe-core, WCAG 2 A and AA), in Chromium on the demo data.

Each page is visited once: axe runs on the live page, and the HTML the server sent is kept and checked
at the end by one run of the Nu checker over every page (one Java process: one per page is too slow).
The tools come from `make browser-deps` (tests/.tools/, from their npm packages; Java from apt).
"""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import clock
from app.extensions import db
from app.models import (
    ChecklistTemplate,
    Directive,
    Document,
    DocumentKind,
    FollowUpItem,
    FollowUpKind,
    FollowUpStatus,
    Finding,
    Inspection,
    InspectionStatus,
    IssuingBody,
    TemplateStatus,
    Unit,
    User,
)
from app.services import period_reports, plan_documents
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

TOOLS = Path(__file__).resolve().parents[1] / ".tools"
VNU = TOOLS / "vnu.jar"
AXE = TOOLS / "axe.min.js"
JAVA = shutil.which("java")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"serious", "critical"}
# htmx's attributes (hx-get, hx-target…) are not HTML's; the checker would name every one. Only this
# message is left out, and only for attributes named hx-*.
HTMX_ATTRIBUTES = r"Attribute “hx-[a-z-]+” not allowed on element “[^”]+” at this point\."


def _missing() -> str | None:
    if not JAVA:
        return "Java is not installed (apt-get install default-jre-headless, or `make browser-deps` as root)"
    for tool in (VNU, AXE):
        if not tool.exists():
            return f"{tool.relative_to(TOOLS.parents[1])} is missing (run `make browser-deps`)"
    return None


@pytest.fixture(scope="module", autouse=True)
def tools():
    reason = _missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the HTML checks' tools: {reason}")
        pytest.skip(reason)


def _demo_ids(app) -> dict[str, int]:
    """The rows whose pages are visited, found in the demo data by what they are."""
    with app.app_context():
        one = lambda query: db.session.scalar(query.limit(1))  # noqa: E731
        ids = {
            "in_progress": one(sa.select(Inspection.id).where(Inspection.status == InspectionStatus.IN_PROGRESS)),
            "reviewed": one(sa.select(Inspection.id).where(Inspection.status.not_in(
                [InspectionStatus.DRAFT, InspectionStatus.SCHEDULED, InspectionStatus.IN_PROGRESS,
                 InspectionStatus.CANCELLED])).order_by(Inspection.id)),
            "finding": one(sa.select(Finding.id).where(Finding.code.is_not(None)).order_by(Finding.id)),
            "minutes": one(sa.select(Document.id).where(Document.kind == DocumentKind.MINUTES)),
            "conclusion": one(sa.select(Document.id).where(Document.kind == DocumentKind.CONCLUSION)),
            "template": one(sa.select(ChecklistTemplate.id).where(
                ChecklistTemplate.status == TemplateStatus.PUBLISHED).order_by(ChecklistTemplate.id)),
            "unit": one(sa.select(Unit.id).where(Unit.code == "H-DAKHA")),
            "directive": one(sa.select(Directive.id)),
            "task_item": one(sa.select(FollowUpItem.id).where(FollowUpItem.kind == FollowUpKind.TASK,
                                                             FollowUpItem.status == FollowUpStatus.IN_PROGRESS)
                             .order_by(FollowUpItem.id)),
            "remediation": one(sa.select(FollowUpItem.id).where(FollowUpItem.criterion_code == "III.2")),
            "plan": one(sa.select(Document.id).where(Document.kind == DocumentKind.PLAN)),
            "report": one(sa.select(Document.id).where(Document.kind == DocumentKind.REPORT)),
        }
        ids |= _secretariat_drafts(ids["plan"])
    assert all(ids.values()), ids
    return ids


def _secretariat_drafts(plan_id: int) -> dict[str, int]:
    """Drafts whose edit pages (form beside the live preview) are checked: a correction of the demo's
    plan and a report on the first quarter (the demo issues both documents, so has no draft)."""
    leader = db.session.scalar(sa.select(User).where(User.username == "leader"))
    body = db.session.scalar(sa.select(IssuingBody).where(IssuingBody.code == "SNV"))
    plan = db.session.get(Document, plan_id)
    first, last = period_reports.period_bounds("q1", clock.local_today().year, None, None)
    return {"plan_draft": plan_documents.start_correction(leader, plan).id,
            "report_draft": period_reports.start_report(leader, body, first, last, "").id}


def _pages(ids: dict[str, int]) -> dict[str, list[str]]:
    """The main pages of each role: home, lists, a detail page of each kind it may open, its forms."""
    common = ["/", "/notifications/", f"/findings/{ids['finding']}", f"/documents/{ids['conclusion']}",
              "/reports/search?s=Đắk+Hà", "/offline", "/auth/password", "/inspections/plan",
              f"/secretariat/{ids['plan']}"]
    reports = ["/secretariat/reports", f"/secretariat/{ids['report']}"]
    return {
        "admin": common + [
            "/units/", f"/units/{ids['unit']}", "/units/new", "/admin/users", "/admin/users/new",
            "/admin/audit", "/admin/issuing-bodies", "/checklists/", f"/checklists/{ids['template']}",
            f"/checklists/{ids['template']}/preview", "/reports/", *reports],
        "leader": common + reports + [
            f"/secretariat/{ids['plan_draft']}/edit", f"/secretariat/{ids['report_draft']}/edit",
            f"/secretariat/{ids['report_draft']}",
            "/inspections/", "/inspections/new", f"/inspections/{ids['reviewed']}",
            "/findings/", f"/findings/inspections/{ids['reviewed']}", f"/documents/{ids['minutes']}",
            "/reports/", "/directives/", f"/directives/{ids['directive']}", f"/directives/{ids['directive']}/tasks/new",
            "/directives/new", "/follow-ups/", f"/follow-ups/{ids['task_item']}", f"/follow-ups/{ids['remediation']}",
            "/cchc-index/", "/cchc-index/import"],
        "inspector": common + reports + [
            "/inspections/", f"/inspections/{ids['in_progress']}", f"/inspections/{ids['in_progress']}/checklist",
            "/findings/", "/checklists/"],
        "unithead": common + ["/findings/todo", f"/findings/units/{ids['unit']}", "/follow-ups/",
                          f"/follow-ups/{ids['remediation']}"],
    }


@pytest.fixture(scope="module")
def visited(live, browser, tmp_path_factory):
    """Every role's pages, visited once: {label: (saved HTML file, axe's blocking violations)}."""
    app, base = live
    folder = tmp_path_factory.mktemp("html")
    results = {}
    axe_source = AXE.read_text()
    pages = {"anonymous": ["/auth/login"], **_pages(_demo_ids(app))}
    for role, paths in pages.items():
        # No service worker: it would precache pages in the background while the checks run.
        context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="vi-VN",
                                      service_workers="block")
        page = context.new_page()
        if role != "anonymous":
            log_in(page, base, role)
        for path in paths:
            label = f"{role} {path}"
            response = page.goto(base + path)
            assert response.status == 200, f"{label}: HTTP {response.status}"
            file = folder / f"{len(results):03d}.html"
            file.write_bytes(response.body())  # what the server sent: the browser's DOM hides parse errors
            # Not add_script_tag: the app's Content-Security-Policy (script-src 'self') blocks inline
            # scripts, while evaluate() runs outside it.
            page.evaluate(axe_source)
            report = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
            results[label] = (file, [v for v in report["violations"] if v["impact"] in BLOCKING])
        context.close()
    return results


def test_main_pages_are_valid_html(visited):
    files = {str(file): label for label, (file, _) in visited.items()}
    run = subprocess.run([JAVA, "-jar", str(VNU), "--errors-only", "--format", "json",
                          "--filterpattern", HTMX_ATTRIBUTES, *files],
                         capture_output=True, text=True, timeout=300)
    output = run.stderr or run.stdout  # the JSON report goes to stderr, after anything Java prints first
    assert "{" in output, f"the Nu checker failed (exit {run.returncode}): {output}"
    messages = json.loads(output[output.index("{"):])["messages"]
    errors = [f"{files.get(m.get('url', '').removeprefix('file:'), m.get('url'))}, line {m.get('lastLine')}: "
              f"{m['message']}\n    {' '.join(m.get('extract', '').split())}"
              for m in messages if m["type"] in ("error", "non-document-error")]
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors)


def test_main_pages_have_no_serious_accessibility_violation(visited):
    problems = []
    for label, (_, violations) in visited.items():
        for violation in violations:
            targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
            problems.append(f"{label}: [{violation['impact']}] {violation['id']}: {violation['help']}\n    {targets}")
    assert not problems, f"{len(problems)} serious or critical axe violations:\n" + "\n".join(problems)
