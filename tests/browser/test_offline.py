"""Field work without signal, in Chromium with a persistent profile (a tablet that is switched off and on).

The network is cut for real: the browser talks to the server through a proxy that the tests switch off,
so a page that only worked because the service worker fetched it from the network fails here.
"""
import io
import time
from datetime import date

import pytest
import sqlalchemy as sa
from PIL import Image

from app.extensions import db
from app.models import (
    Answer,
    AnswerType,
    Attachment,
    AuditEvent,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    EvidenceRule,
    Inspection,
    InspectionKind,
    InspectionMember,
    InspectionStatus,
    TeamRole,
    TemplateStatus,
    Unit,
    User,
)
from app.services import answers
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, log_in, screenshot
from tests.browser.proxy import SwitchableProxy

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def proxy(live):
    proxy = SwitchableProxy(int(live[1].rsplit(":", 1)[1]))
    proxy.on()
    yield proxy
    proxy.off()


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture
def tablet(playwright, tmp_path):
    """Start (and start again) a tablet's browser on one profile; closed at the end."""
    contexts = []

    def start():
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS,
            viewport={"width": 768, "height": 1024}, locale="vi-VN")
        contexts.append(context)
        return context.pages[0] if context.pages else context.new_page()

    yield start
    for context in contexts:
        context.close()


@pytest.fixture
def browser_page(playwright):
    """Another browser, with nothing kept: to see what the server has."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser.new_context(viewport={"width": 1024, "height": 768}, locale="vi-VN").new_page()
    browser.close()


@pytest.fixture
def inspection(live):
    """An inspection in progress: the demo inspector leads, inspector2 is a member; six pass/fail items."""
    app, _url = live
    with app.app_context():
        template = ChecklistTemplate(family=f"OFF{time.monotonic_ns()}", version=1, name="Phiếu ngoại tuyến",
                                     status=TemplateStatus.PUBLISHED)
        section = ChecklistSection(position=0, code="B", title="Niêm yết công khai")
        section.items = [ChecklistItem(position=i, code=f"B{i + 1}", question=f"Tiêu chí {i + 1}",
                                       answer_type=AnswerType.PASS_FAIL, evidence_required=EvidenceRule.NEVER)
                         for i in range(6)]
        template.sections.append(section)
        db.session.add(template)
        db.session.flush()
        users = {u.username: u for u in db.session.scalars(sa.select(User).where(
            User.username.in_(("inspector", "inspector2"))))}
        unit = db.session.scalar(sa.select(Unit).where(Unit.code == "STC"))
        inspection = Inspection(title="Kiểm tra tại xã vùng cao", kind=InspectionKind.UNANNOUNCED, unit_id=unit.id,
                                template_id=template.id, status=InspectionStatus.IN_PROGRESS,
                                planned_start=date.today(), planned_end=date.today())
        inspection.members = [InspectionMember(user_id=users["inspector"].id, role=TeamRole.LEAD),
                              InspectionMember(user_id=users["inspector2"].id, role=TeamRole.MEMBER)]
        db.session.add(inspection)
        db.session.commit()
        return inspection.id, [item.id for item in section.items]


def eventually(page, script: str, timeout: float = 20) -> None:
    """Wait until a script (which may return a promise) gives a true value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(script):
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"never true: {script}")


def kept(page, path: str) -> None:
    eventually(page, f"caches.open('pages').then(c => c.match('{path}')).then(Boolean)")


def waiting(page) -> int:
    return page.evaluate("KiemtraOutbox.counts(Number(document.body.dataset.user))"
                         ".then(c => c.answers + c.files + c.stuck)")


def photo() -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (30, 140, 90)).save(buffer, "JPEG")
    return {"name": "bang-niem-yet.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


def keep_then_cut(tablet, proxy, checklist: str):
    """The inspector opens the checklist with signal, the tablet keeps it, then the signal goes."""
    page = tablet()
    log_in(page, proxy.url, "inspector")
    page.goto(proxy.url + checklist)
    kept(page, checklist)
    proxy.off()
    return page


def answer_offline(page, item_id: int, result: str) -> None:
    page.locator(f"#item-{item_id} label.toggle.{result}").click()
    page.locator(f"#state-{item_id}").get_by_text("Đã lưu trên máy, chờ gửi").wait_for()


def log_in_if_asked(page, base: str, username: str) -> None:
    page.goto(f"{base}/")
    if "/auth/login" in page.url:
        log_in(page, base, username)


def test_checklist_fills_offline_survives_a_restart_and_is_sent_once(live, proxy, tablet, inspection, browser_page):
    app, _url = live
    inspection_id, item_ids = inspection
    checklist = f"/inspections/{inspection_id}/checklist"
    page = keep_then_cut(tablet, proxy, checklist)
    page.goto(proxy.url + checklist)  # from the worker: the server is out of reach
    page.get_by_role("heading", name="Phiếu ngoại tuyến").wait_for()
    expected = {item_ids[0]: "pass", item_ids[1]: "fail", item_ids[2]: "na"}
    for item_id, result in expected.items():
        answer_offline(page, item_id, result)
    page.set_input_files(f"#evidence-file-{item_ids[1]}", files=[photo()])
    page.locator(f"#evidence-{item_ids[1]} .evidence-queued img").wait_for()
    status = page.locator("#outbox-status")
    status.get_by_text("3 câu trả lời, 1 ảnh hoặc tệp đang chờ gửi").wait_for()
    assert page.locator("#progress .provisional").is_visible()
    screenshot(page, "offline-checklist-768x1024", full_page=False)

    page.context.close()  # the whole browser, still without signal
    page = tablet()
    page.goto(proxy.url + checklist)
    for item_id, result in expected.items():
        card = page.locator(f"#item-{item_id}")
        card.locator(".save-state").get_by_text("Đã lưu trên máy, chờ gửi").wait_for()
        assert card.locator(f"input[value={result}]").is_checked()
    assert page.locator(f"#evidence-{item_ids[1]} .evidence-queued img").count() == 1
    page.goto(proxy.url + "/reports/")  # any other address: our offline page, with what is kept
    page.get_by_role("heading", name="Làm việc ngoại tuyến").wait_for()
    page.locator("#offline-pages a", has_text="Kiểm tra").wait_for()
    assert page.locator("#offline-queue tbody tr").count() == 4
    screenshot(page, "offline-page-768x1024")

    proxy.on()
    log_in_if_asked(page, proxy.url, "inspector")  # the session cookie did not survive the restart
    eventually(page, "KiemtraOutbox.counts(Number(document.body.dataset.user)).then(c => !c.answers && !c.files)")
    with app.app_context():
        saved = dict(db.session.execute(sa.select(Answer.item_id, Answer.result).where(
            Answer.inspection_id == inspection_id, Answer.result.is_not(None))).all())
        audits = db.session.scalars(sa.select(AuditEvent.entity_id).where(
            AuditEvent.entity == "answer", AuditEvent.action == "answer",
            AuditEvent.entity_id.in_(sa.select(Answer.id).where(Answer.inspection_id == inspection_id)))).all()
        files = db.session.scalar(sa.select(sa.func.count(Attachment.id)).join(Answer, Attachment.answer_id == Answer.id)
                                  .where(Answer.inspection_id == inspection_id))
    assert saved == expected
    assert len(audits) == len(set(audits)) == 3  # each answer applied once
    assert files == 1

    fresh = browser_page  # another browser: what the server has
    log_in(fresh, proxy.url, "inspector")
    fresh.goto(proxy.url + checklist)
    for item_id, result in expected.items():
        assert fresh.locator(f"#item-{item_id} input[value={result}]").is_checked()
    assert fresh.locator(f"#evidence-{item_ids[1]} .evidence-files img").count() == 1


def test_a_teammates_newer_answer_is_shown_beside_the_offline_one(live, proxy, tablet, inspection):
    app, _url = live
    inspection_id, item_ids = inspection
    checklist = f"/inspections/{inspection_id}/checklist"
    page = keep_then_cut(tablet, proxy, checklist)
    answer_offline(page, item_ids[3], "pass")
    with app.app_context():  # meanwhile, a teammate with signal
        teammate = db.session.scalar(sa.select(User).where(User.username == "inspector2"))
        answers.save_answer(teammate, inspection_id, item_ids[3], {"result": "fail", "note": "Thiếu bảng"}, 0, "t-1")

    proxy.on()
    page.evaluate("window.dispatchEvent(new Event('online'))")
    conflict = page.locator(f"#item-{item_ids[3]} .conflict")
    conflict.wait_for()
    assert "Không đạt" in conflict.inner_text()  # theirs…
    assert page.locator(f"#item-{item_ids[3]} input[value=pass]").is_checked()  # …beside ours
    page.set_viewport_size({"width": 1024, "height": 768})  # the tablet turned to landscape
    conflict.scroll_into_view_if_needed()
    screenshot(page, "offline-conflict-1024x768", full_page=False)
    with app.app_context():
        assert db.session.scalar(sa.select(Answer.result).where(Answer.item_id == item_ids[3])) == "fail"
    assert waiting(page) == 0


def test_another_user_on_the_tablet_neither_sees_nor_sends_the_queue(live, proxy, tablet, inspection):
    app, _url = live
    inspection_id, item_ids = inspection
    checklist = f"/inspections/{inspection_id}/checklist"
    page = keep_then_cut(tablet, proxy, checklist)
    answer_offline(page, item_ids[4], "fail")
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Đăng xuất").click()  # warns, and staying is an option
    page.wait_for_timeout(500)
    assert dialogs and "đang chờ gửi" in dialogs[0]

    page.context.close()
    page = tablet()  # the next morning, a colleague takes the tablet
    proxy.on()
    log_in_if_asked(page, proxy.url, "inspector2")
    assert page.locator("#outbox-status").is_hidden()
    assert waiting(page) == 0
    eventually(page, "caches.open('pages').then(c => c.keys()).then(k => k.length === 0)")  # not theirs to keep
    page.goto(proxy.url + "/offline")
    page.get_by_text("Không có gì đang chờ gửi.").wait_for()
    with app.app_context():
        assert db.session.scalar(sa.select(Answer.result).where(Answer.item_id == item_ids[4])) is None

    page.goto(proxy.url + "/")
    page.get_by_role("button", name="Đăng xuất").click()  # nothing of theirs waits: no question
    page.wait_for_url("**/auth/login")
    log_in(page, proxy.url, "inspector")  # the owner is back: the queue goes out
    eventually(page, "KiemtraOutbox.counts(Number(document.body.dataset.user)).then(c => !c.answers)")
    with app.app_context():
        assert db.session.scalar(sa.select(Answer.result).where(Answer.item_id == item_ids[4])) == "fail"
