"""Notifications: written with the caller's transaction, read and marked read by their owner only, and
mailed once as a daily digest through a real local SMTP server (`flask send-reminders`)."""
import os
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.database import job_lock
from app.extensions import db
from app.models import Notification, Role
from app.models.base import utcnow
from app.notifications.links import link_url
from app.services import notifications as service
from app.services.notifications import Link
from tests import factories
from tests.conftest import ROOT
from tests.mail import SmtpServer

BASE_URL = "https://kiemtra.example.gov.vn"


def finding_link(finding_id):
    return Link("findings.detail", {"finding_id": finding_id})


def rows(user=None):
    query = sa.select(Notification).order_by(Notification.id)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    return db.session.scalars(query).all()


def notify_and_commit(users, text="Có tồn tại mới", link=finding_link(1)):
    service.notify(users, text, link)
    db.session.commit()


# --- notify ----------------------------------------------------------------------------------------

def test_notify_adds_one_row_per_distinct_active_user_and_leaves_the_commit_to_the_caller(app):
    a, b = factories.make_user(), factories.make_user()
    gone = factories.make_user(active=False)
    service.notify([a, b, a, None, gone], "Tồn tại KT-01 đã được gửi lại", finding_link(7))
    assert {n.user_id for n in rows()} == {a.id, b.id}  # in the transaction, not committed
    db.session.rollback()  # the caller's transaction failed: no notification either
    assert rows() == []

    service.notify(a, "Tồn tại KT-01 đã được gửi lại", finding_link(7))  # one user alone is fine too
    db.session.commit()
    (notification,) = rows()
    assert (notification.user_id, notification.text, notification.endpoint, notification.link_values) == (
        a.id, "Tồn tại KT-01 đã được gửi lại", "findings.detail", {"finding_id": 7})
    assert notification.created_at is not None and notification.read_at is None and notification.emailed_at is None


@pytest.mark.parametrize("endpoint", ["https://evil.example/x", "/findings/1", "findings.nothing", ""])
def test_notify_links_only_to_routes_of_the_app(app, endpoint):
    user = factories.make_user()
    with pytest.raises(ValueError):
        service.notify([user], "Văn bản", Link(endpoint, {}))


def test_notify_keeps_one_line_and_cuts_long_texts(app):
    user = factories.make_user()
    with pytest.raises(ValueError):
        service.notify([user], "  \n ", service.LIST)
    notify_and_commit([user], "Lý do:\n  hồ sơ   thiếu " + "x" * 600)
    (notification,) = rows(user)
    assert notification.text.startswith("Lý do: hồ sơ thiếu x") and len(notification.text) == 500
    assert notification.text.endswith("…")


# --- reading and marking read ----------------------------------------------------------------------

def test_unread_count_list_and_mark_read_touch_only_the_users_own(app):
    me, other = factories.make_user(), factories.make_user()
    for i in range(3):
        notify_and_commit([me], f"Thông báo {i}", finding_link(i))
    notify_and_commit([other], "Của người khác")
    theirs = rows(other)[0]
    assert service.unread_count(me) == 3 and service.unread_count(other) == 1
    listed = db.session.scalars(service.notifications_for(me)).all()
    assert [n.text for n in listed] == ["Thông báo 2", "Thông báo 1", "Thông báo 0"]  # newest first

    assert service.mark_read(me, theirs.id) is None  # someone else's: as if it did not exist
    assert service.mark_read(me, 999_999) is None
    db.session.refresh(theirs)
    assert theirs.read_at is None

    first = service.mark_read(me, listed[0].id)
    read_at = first.read_at
    assert read_at is not None and service.unread_count(me) == 2
    assert service.mark_read(me, listed[0].id).read_at == read_at  # the first reading time stays

    assert service.mark_all_read(me) == 2
    assert service.unread_count(me) == 0 and service.unread_count(other) == 1
    assert service.mark_all_read(me) == 0


# --- the email digest ------------------------------------------------------------------------------

@pytest.fixture
def smtp(app):
    """A real SMTP server on a free local port, and the app configured to use it."""
    with SmtpServer() as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, APP_BASE_URL=BASE_URL + "/",
                          MAIL_FROM="Kiểm Tra <kiemtra@snv.example.gov.vn>")
        yield server.inbox


@pytest.fixture
def no_deadline_reminders(monkeypatch):
    """The command's first step is the findings service's; these tests are about the digests."""
    monkeypatch.setattr("app.cli.remind_deadlines", lambda today: 0)


def test_send_reminders_mails_each_user_one_digest_once(app, runner, smtp, no_deadline_reminders):
    head = factories.make_user(Role.UNIT_HEAD, full_name="Nguyễn Văn Thủ Trưởng", email="truong@donvi.example.vn")
    lead = factories.make_user(full_name="Trần Thị Kiểm", email="kiem@snv.example.vn")
    no_email = factories.make_user()
    notify_and_commit([head, no_email], "Tồn tại KT-2026-001/1 đã được ban hành cho đơn vị của bạn", finding_link(1))
    notify_and_commit([head], "Tồn tại KT-2026-001/2 đã quá hạn từ 03/05/2026", finding_link(2))
    notify_and_commit([lead], "Tồn tại KT-2026-001/1 đang chờ bạn xác nhận", finding_link(1))
    notify_and_commit([head], "Đã đọc trong ứng dụng", finding_link(3))
    service.mark_read(head, rows(head)[-1].id)  # read in the app: not mailed

    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "2 emails sent" in result.output
    assert len(smtp.received) == 2  # one message per user with an address and something new

    (to_head,) = smtp.to("truong@donvi.example.vn")
    assert to_head.sender == "kiemtra@snv.example.gov.vn"
    assert to_head.raw.isascii()  # encoded for any relay: RFC 2047 headers, quoted-printable or base64 body
    message = to_head.message
    assert message["Subject"].startswith("Kiểm Tra: ") and "2" in message["Subject"]
    assert message["To"].addresses[0].display_name == "Nguyễn Văn Thủ Trưởng"
    assert str(message["From"]) == "Kiểm Tra <kiemtra@snv.example.gov.vn>"
    assert message["Auto-Submitted"] == "auto-generated" and message["Message-ID"]
    assert message.get_content_type() == "text/plain" and message.get_content_charset() == "utf-8"
    body = message.get_content()
    assert "Nguyễn Văn Thủ Trưởng" in body
    assert "Tồn tại KT-2026-001/2 đã quá hạn từ 03/05/2026" in body
    assert "Tồn tại KT-2026-001/1 đã được ban hành cho đơn vị của bạn" in body
    assert body.index("KT-2026-001/2") < body.index("KT-2026-001/1")  # newest first
    assert f"{BASE_URL}/findings/2" in body and f"{BASE_URL}/notifications/" in body
    assert "Đã đọc trong ứng dụng" not in body

    (to_lead,) = smtp.to("kiem@snv.example.vn")
    assert "Tồn tại KT-2026-001/1 đang chờ bạn xác nhận" in to_lead.message.get_content()

    emailed = db.session.scalars(sa.select(Notification).where(Notification.emailed_at.is_not(None))).all()
    assert {(n.user_id, n.link_values["finding_id"]) for n in emailed} == {(head.id, 1), (head.id, 2), (lead.id, 1)}

    # The next run sends nothing again; something new goes out alone.
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0 and "0 emails sent" in result.output
    assert len(smtp.received) == 2
    notify_and_commit([lead], "Thời hạn của tồn tại KT-2026-001/1 đã được gia hạn", finding_link(1))
    result = runner.invoke(args=["send-reminders"])
    assert "1 emails sent" in result.output
    body = smtp.received[-1].message.get_content()
    assert "gia hạn" in body and "đang chờ bạn xác nhận" not in body


def test_a_refused_recipient_keeps_the_others_sent_and_its_own_pending(app, runner, smtp, no_deadline_reminders):
    good = factories.make_user(email="good@example.vn")
    bad = factories.make_user(email="bad@example.vn")
    later = factories.make_user(email="later@example.vn")
    notify_and_commit([good, bad, later], "Có tồn tại mới cho đơn vị")
    smtp.refuse.add("bad@example.vn")

    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 1
    assert "2 emails sent" in result.output
    assert "bad@example.vn" in result.output and "550" in result.output
    assert len(smtp.to("good@example.vn")) == 1 and len(smtp.to("later@example.vn")) == 1
    assert [n.emailed_at is None for n in rows(bad)] == [True]
    assert all(n.emailed_at is not None for n in rows(good) + rows(later))

    smtp.refuse.clear()  # the mailbox is back: the next run sends the one left behind, and only it
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0 and "1 emails sent" in result.output
    assert len(smtp.to("bad@example.vn")) == 1 and len(smtp.received) == 3


@pytest.mark.parametrize("address", ["a@b@c", "khong co dau@example.vn"])
def test_a_malformed_address_fails_alone(app, smtp, address):
    bad = factories.make_user(email=address)
    good = factories.make_user(email="good@example.vn")
    notify_and_commit([bad, good])
    with pytest.raises(service.DigestFailed) as failed:
        service.send_digests(link_url)
    assert failed.value.sent == 1 and address in str(failed.value)
    assert len(smtp.received) == 1 and rows(bad)[0].emailed_at is None


def test_an_unreachable_server_stops_at_once_and_sends_nothing(app, runner, no_deadline_reminders):
    from tests.mail import free_port

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_FROM="kiemtra@example.vn",
                      APP_BASE_URL=BASE_URL, MAIL_TIMEOUT=5)
    user = factories.make_user(email="a@example.vn")
    notify_and_commit([user])
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 1 and "cannot use the SMTP server 127.0.0.1" in result.output
    assert rows(user)[0].emailed_at is None


def test_without_smtp_the_command_says_so_and_sends_nothing(app, runner, no_deadline_reminders):
    user = factories.make_user(email="a@example.vn")
    notify_and_commit([user])
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "Email is not configured" in result.output
    assert rows(user)[0].emailed_at is None
    with pytest.raises(service.MailNotConfigured):
        service.send_digests(link_url)


def test_a_server_without_sender_or_base_url_is_refused_before_sending(app, runner, smtp, no_deadline_reminders):
    app.config.update(MAIL_FROM="", APP_BASE_URL="")
    notify_and_commit([factories.make_user(email="a@example.vn")])
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 1
    assert "MAIL_FROM" in result.output and "APP_BASE_URL" in result.output
    assert smtp.received == []


def test_digest_lists_the_newest_and_counts_the_rest(app, smtp):
    user = factories.make_user(email="many@example.vn", locale="en")
    for i in range(service.DIGEST_MAX_ITEMS + 3):
        service.notify([user], f"Notification number {i}", finding_link(i))
    db.session.commit()
    assert service.send_digests(link_url) == 1
    body = smtp.received[0].message.get_content()
    assert f"Notification number {service.DIGEST_MAX_ITEMS + 2}" in body and "Notification number 2\n" not in body
    assert "…and 3 more." in body  # in the user's language (English here)
    assert smtp.received[0].message["Subject"] == f"Kiểm Tra: {service.DIGEST_MAX_ITEMS + 3} new notifications"
    assert all(n.emailed_at is not None for n in rows(user))


def test_inactive_users_get_no_email(app, smtp):
    user = factories.make_user(email="gone@example.vn")
    notify_and_commit([user])
    user.active = False
    db.session.commit()
    assert service.send_digests(link_url) == 0 and smtp.received == []


# --- the findings' reminders come first ------------------------------------------------------------

def test_send_reminders_runs_the_findings_reminders_first_and_mails_them(app, runner, smtp, monkeypatch):
    from app.services import findings

    head = factories.make_user(Role.UNIT_HEAD, email="head@example.vn")
    days = []

    def remind_deadlines(today):
        days.append(today)
        service.notify([head], "Tồn tại KT-01 đến hạn ngày 30/05/2026", finding_link(1))
        db.session.commit()
        return 1

    monkeypatch.setattr(findings, "remind_deadlines", remind_deadlines)
    result = runner.invoke(args=["send-reminders", "--date", "2026-05-27"])
    assert result.exit_code == 0, result.output
    assert [d.isoformat() for d in days] == ["2026-05-27"]
    assert "1 findings, tasks and remediation items reminded, 1 notifications created" in result.output and "1 emails sent" in result.output
    assert "đến hạn ngày 30/05/2026" in smtp.to("head@example.vn")[0].message.get_content()


def test_a_failing_findings_step_still_sends_the_digests_and_exits_non_zero(app, runner, smtp, monkeypatch):
    from app.services import findings

    def broken(today):
        raise RuntimeError("boom")

    monkeypatch.setattr(findings, "remind_deadlines", broken)
    notify_and_commit([factories.make_user(email="a@example.vn")])
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 1 and "deadline reminders failed" in result.output and "boom" in result.output
    assert "1 emails sent" in result.output and len(smtp.received) == 1


def test_default_day_is_today_in_vietnam(app, runner, monkeypatch):
    from app.services import findings

    days = []
    monkeypatch.setattr(findings, "remind_deadlines", lambda today: days.append(today) or 0)
    runner.invoke(args=["send-reminders"])
    local = (utcnow() + timedelta(hours=7)).date()  # Asia/Ho_Chi_Minh has no daylight saving time
    assert days == [local]
    with app.app_context():
        assert clock.local_today() == local


# --- one run at a time, across servers ---------------------------------------------------------------

def test_a_run_does_nothing_while_another_holds_the_job(app, runner, smtp):
    notify_and_commit([factories.make_user(email="a@example.vn")])
    with job_lock("send-reminders") as held:
        assert held
        result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0 and "Another send-reminders run is going on" in result.output
    assert smtp.received == []
    result = runner.invoke(args=["send-reminders"])  # the lock is given back
    assert "1 emails sent" in result.output and len(smtp.received) == 1


def test_two_servers_cron_jobs_at_once_mail_each_digest_once(app, smtp):
    """Two `flask send-reminders` processes start together, as two servers' cron jobs do, while a slow
    mail relay keeps the first one busy: every user still gets one digest."""
    users = [factories.make_user(email=f"user{n}@example.vn") for n in range(4)]
    notify_and_commit(users, "Tồn tại KT-2026-001/1 đã quá hạn")
    smtp.delay = 0.5
    env = os.environ | {"FLASK_APP": "wsgi.py", "KIEMTRA_ENV": "production", "FLASK_SECRET_KEY": "c" * 64,
                        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                        "FLASK_MAIL_SERVER": "127.0.0.1", "FLASK_MAIL_PORT": str(app.config["MAIL_PORT"]),
                        "FLASK_MAIL_FROM": app.config["MAIL_FROM"], "FLASK_APP_BASE_URL": BASE_URL}
    runs = [subprocess.Popen([str(ROOT / ".venv/bin/flask"), "send-reminders"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=60)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert sorted(address for r in smtp.received for address in r.recipients) == [u.email for u in users]
    assert sum("4 emails sent" in output for output in outputs) == 1
    assert sum("Another send-reminders run is going on" in output for output in outputs) == 1
