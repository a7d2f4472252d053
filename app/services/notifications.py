"""Notifications: written with the change they report, read in the app, mailed once a day as a digest.

notify() only adds rows to the session: the caller's transaction commits them together with the
state change (DESIGN.md §3). send_digests() mails each user one message listing what they have
neither read in the app nor been mailed yet, and commits user by user, so one refused message
never costs the others their state.

A notification stores where it leads as a Link (an endpoint and its URL values); the web layer
builds the address from it (app.notifications.links), for the app and, under APP_BASE_URL, for the
digest, which is handed that builder.

Email settings (app/config.py, README): MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS, MAIL_USE_SSL,
MAIL_USERNAME, MAIL_PASSWORD, MAIL_FROM, MAIL_TIMEOUT, and APP_BASE_URL for the links.
"""
import smtplib
import ssl
from collections.abc import Callable, Mapping
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime as rfc2822_date
from email.utils import make_msgid, parseaddr
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, format_datetime, gettext as _, ngettext

from app.extensions import db
from app.models import Notification, User
from app.models.base import utcnow
from app.models.notification import ENDPOINT_LENGTH, TEXT_LENGTH

# A digest lists this many notifications (newest first) and counts the rest.
DIGEST_MAX_ITEMS = 50


# --- writing -------------------------------------------------------------------------------------

class Link(NamedTuple):
    """Where a notification leads: an endpoint of the app and its URL values."""
    endpoint: str
    values: dict[str, Any]


# Builds the address of a link: (endpoint, values, base URL) → "https://…/findings/5" (app.notifications.links).
LinkBuilder = Callable[[str, Mapping, str], str]

LIST = Link("notifications.index", {})


def notify(users, text: str, link: Link) -> None:
    """Add one notification per distinct active user to the session; the caller's commit saves them.

    `users` is an iterable of User (None entries are skipped, so `[finding.unit.head, lead]` is fine)
    or one User. `text` is one line (whitespace is collapsed, cut at 500 characters); `link` names a
    route of the app (its view must exist) and its URL values.
    """
    if isinstance(users, User):
        users = (users,)
    text = " ".join(str(text).split())
    if not text:
        raise ValueError("a notification needs a text")
    if len(text) > TEXT_LENGTH:
        text = text[: TEXT_LENGTH - 1] + "…"
    endpoint, values = link
    if endpoint not in current_app.view_functions or len(endpoint) > ENDPOINT_LENGTH:
        raise ValueError(f"a notification links to a route of the app, not {endpoint!r}")
    seen = set()
    for user in users:
        if user is None or not user.active:
            continue
        key = user.id if user.id is not None else id(user)
        if key in seen:
            continue
        seen.add(key)
        db.session.add(Notification(user=user, text=text, endpoint=endpoint, link_values=dict(values)))


# --- reading -------------------------------------------------------------------------------------

def unread_count(user: User) -> int:
    """The bell's number: one indexed count."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def notifications_for(user: User) -> sa.Select:
    """A user's notifications, newest first, as a query to paginate (db.paginate)."""
    return sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())


def mark_read(user: User, notification_id: int) -> Notification | None:
    """Mark one of the user's own notifications read (once: the first reading time stays).

    Returns None when the id is not one of theirs (the view answers 404, whoever's it is).
    """
    notification = db.session.scalar(
        sa.select(Notification).where(Notification.id == notification_id, Notification.user_id == user.id)
    )
    if notification is None:
        return None
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return notification


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


# --- the email digest ----------------------------------------------------------------------------

class MailNotConfigured(Exception):
    """No MAIL_SERVER, or settings the digest cannot do without; nothing was sent."""


class DigestFailed(Exception):
    """Some digests were not sent. The others were sent and recorded; the failed ones stay pending."""

    def __init__(self, sent: int, failures: list[str]):
        super().__init__("; ".join(failures))
        self.sent = sent
        self.failures = failures


def mail_configured(config: Mapping | None = None) -> bool:
    config = current_app.config if config is None else config
    return bool(config.get("MAIL_SERVER"))


def mail_problems(config: Mapping) -> list[str]:
    """What stops a configured server from being used (for the operator, in English)."""
    problems = []
    if not parseaddr(str(config.get("MAIL_FROM") or ""))[1]:
        problems.append("MAIL_FROM is not set: the digests need a sender address.")
    base_url = str(config.get("APP_BASE_URL") or "")
    if not base_url.startswith(("http://", "https://")):
        problems.append("APP_BASE_URL is not set (e.g. https://kiemtra.example.gov.vn): "
                        "the digests link to the app.")
    if config.get("MAIL_USE_TLS") and config.get("MAIL_USE_SSL"):
        problems.append("MAIL_USE_TLS and MAIL_USE_SSL are both set: choose one.")
    return problems


class _CannotConnect(Exception):
    pass


class _Smtp:
    """One SMTP connection for a run, opened on first use and again after the server dropped it."""

    def __init__(self, config: Mapping):
        self.config = config
        self.connection = None

    def _connect(self):
        config = self.config
        host = str(config["MAIL_SERVER"])
        use_ssl, use_tls = bool(config.get("MAIL_USE_SSL")), bool(config.get("MAIL_USE_TLS"))
        port = int(config.get("MAIL_PORT") or (465 if use_ssl else 587 if use_tls else 25))
        timeout = float(config.get("MAIL_TIMEOUT") or 30)
        try:
            if use_ssl:
                connection = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
            else:
                connection = smtplib.SMTP(host, port, timeout=timeout)
            try:
                if use_tls:
                    connection.starttls(context=ssl.create_default_context())
                if config.get("MAIL_USERNAME"):
                    # Environment values arrive parsed as JSON: a numeric password is an int.
                    connection.login(str(config["MAIL_USERNAME"]), str(config.get("MAIL_PASSWORD") or ""))
            except BaseException:
                connection.close()
                raise
        except (smtplib.SMTPException, OSError) as error:
            raise _CannotConnect(f"cannot use the SMTP server {host}:{port}: {error}") from error
        return connection

    def send(self, message: EmailMessage) -> None:
        if self.connection is None:
            self.connection = self._connect()
        try:
            self.connection.send_message(message)
        except smtplib.SMTPServerDisconnected:
            self.connection = None  # the next message connects again
            raise

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None


def _pending():
    """Not read in the app and not mailed yet: what a digest carries."""
    return sa.and_(Notification.read_at.is_(None), Notification.emailed_at.is_(None))


def send_digests(link_url: LinkBuilder, config: Mapping | None = None) -> int:
    """Mail every active user with an email address one digest of their pending notifications, its
    links built by `link_url` under APP_BASE_URL.

    Each user's notifications are marked emailed (and committed) right after their message was
    accepted, so a second run sends nothing new and a failure loses nobody else's state. Returns the
    number of emails sent; raises DigestFailed after trying everyone when some could not be sent
    (they stay pending for the next run), or at once when the server cannot be reached at all.
    """
    config = current_app.config if config is None else config
    if not mail_configured(config):
        raise MailNotConfigured("MAIL_SERVER is not set")
    problems = mail_problems(config)
    if problems:
        raise MailNotConfigured(" ".join(problems))
    base_url = str(config["APP_BASE_URL"]).rstrip("/")

    with_pending = sa.select(Notification.user_id).where(_pending())
    users = db.session.scalars(
        sa.select(User).where(User.id.in_(with_pending), User.active, User.email != "").order_by(User.id)
    ).all()
    smtp = _Smtp(config)
    sent, failures = 0, []
    try:
        for user in users:
            notifications = db.session.scalars(
                sa.select(Notification).where(Notification.user_id == user.id, _pending())
                .order_by(Notification.id.desc())
            ).all()
            if not notifications:
                continue  # read in the meantime
            try:
                smtp.send(digest_message(user, notifications, config, link_url, base_url))
            except _CannotConnect as error:
                failures.append(str(error))
                raise DigestFailed(sent, failures) from error
            except (smtplib.SMTPException, OSError, ValueError, MessageError) as error:
                # Refused recipient, rejected message, dropped connection, malformed address.
                failures.append(f"{user.username} <{user.email}>: {error}")
                continue
            db.session.execute(
                sa.update(Notification)
                .where(Notification.id.in_([n.id for n in notifications]), Notification.emailed_at.is_(None))
                .values(emailed_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            db.session.commit()
            sent += 1
    finally:
        smtp.close()
    if failures:
        raise DigestFailed(sent, failures)
    return sent


def digest_message(user: User, notifications: list[Notification], config: Mapping, link_url: LinkBuilder,
                   base_url: str) -> EmailMessage:
    """One plain-text UTF-8 message in the user's language, newest notifications first."""
    count = len(notifications)
    with force_locale(user.locale or config.get("BABEL_DEFAULT_LOCALE") or "vi"):
        subject = "Kiểm Tra: " + ngettext("%(num)d new notification", "%(num)d new notifications", count)
        lines = [
            _("Hello %(name)s,", name=user.full_name),
            "",
            ngettext("You have %(num)d new notification in Kiểm Tra:",
                     "You have %(num)d new notifications in Kiểm Tra:", count),
            "",
        ]
        for notification in notifications[:DIGEST_MAX_ITEMS]:
            lines.append(f"• {notification.text}")
            lines.append(f"  {format_datetime(notification.created_at, 'dd/MM/yyyy HH:mm')} · "
                         + link_url(notification.endpoint, notification.link_values, base_url))
            lines.append("")
        if count > DIGEST_MAX_ITEMS:
            rest = count - DIGEST_MAX_ITEMS
            lines += [ngettext("…and %(num)d more.", "…and %(num)d more.", rest), ""]
        lines += [
            _("All your notifications: %(url)s", url=link_url(*LIST, base_url)),
            "",
            "-- ",
            _("Kiểm Tra sends this email once a day. Notifications you have read in the app are not mailed."),
        ]
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = str(config["MAIL_FROM"])
    message["To"] = Address(display_name=user.full_name, addr_spec=user.email.strip())
    message["Date"] = rfc2822_date(utcnow())
    sender_domain = parseaddr(str(config["MAIL_FROM"]))[1].rpartition("@")[2] or "kiemtra.invalid"
    message["Message-ID"] = make_msgid(domain=sender_domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    message.set_content("\n".join(lines))
    return message

