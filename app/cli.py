"""Command-line tasks: demo data, the first administrator and the daily reminders."""
from datetime import date, timedelta

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from app import clock, storage
from app.database import job_lock
from app.extensions import db
from app.models import Notification, Role
from app.notifications.links import link_url
from app.services import accounts, evidence, findings, follow_ups, notifications
from app.services.errors import ValidationFailed


def init_app(app):
    """Register the commands on the app's `flask` command group."""
    for command in (seed_demo_command, create_admin_command, send_reminders_command, storage_group):
        app.cli.add_command(command)


@click.command("seed-demo")
@click.option("--scale", type=click.IntRange(min=1), default=None,
              help="Instead, add N provinces' worth of volume (about 100 units, 300 inspections with answers "
                   "and 5,000 findings per province and year), for load tests.")
@click.option("--years", type=click.IntRange(min=1, max=30), default=5, show_default=True,
              help="With --scale: how many years, ending this year.")
@with_appcontext
def seed_demo_command(scale, years):
    """Load demo units, issuing bodies and accounts (safe to run again), or volume with --scale."""
    if scale:
        _seed_scale(scale, years)
    else:
        _seed_demo()


def _seed_scale(scale: int, years: int) -> None:
    # Imported here: only this command needs the demo modules, so web workers never load them.
    from app.demo_scale import PASSWORD, seed_scale

    counts = seed_scale(scale, years, echo=click.echo)
    click.echo("Scale data: " + ", ".join(f"{value} {key}" for key, value in counts.items()) + ".")
    click.echo(f"Logins (password {PASSWORD}): s1-leader1, s1-inspector1, s1-unithead1, …")


def _seed_demo() -> None:
    # Imported here: only this command needs the demo modules, so web workers never load them.
    from app.demo import DEMO_PASSWORD, seed_demo

    added = seed_demo()
    click.echo(
        f"Demo data: {added['units']} units, {added['issuing_bodies']} issuing bodies, "
        f"{added['users']} users, {added['checklists']} checklists, {added['inspections']} inspections, "
        f"{added['directive_tasks']} directive tasks, a CCHC index of {added['index_units']} units, "
        f"{added['plans']} inspection plan, {added['reports']} periodic report added."
    )
    click.echo(f"Demo logins (password {DEMO_PASSWORD}): admin, leader, inspector, inspector2, unithead, unithead2")


@click.command("create-admin")
@click.argument("username")
@click.option("--full-name", default="Quản trị hệ thống", show_default=True)
@click.password_option()
@with_appcontext
def create_admin_command(username, full_name, password):
    """Create an administrator account (for a new production database)."""
    with force_locale("en"):
        try:
            accounts.create_user(None, password, username=username, full_name=full_name, role=Role.ADMIN)
        except ValidationFailed as error:
            raise click.ClickException(error.message)
    click.echo(f"Administrator {username} created.")


@click.command("send-reminders")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The day to remind for, YYYY-MM-DD (default: today in BABEL_DEFAULT_TIMEZONE).")
@with_appcontext
def send_reminders_command(day):
    """Create due-date reminders, then email each user one digest of new notifications (daily cron).

    Safe to run again, and from several servers at once (one run at a time does the work): a
    notification is mailed once. Exits non-zero when something failed.
    """
    today = day.date() if day else clock.local_today()
    with job_lock("send-reminders") as held:
        if not held:  # another server's cron job is at it: mailing too would send its digests twice
            click.echo("Another send-reminders run is going on: this one does nothing.")
            return
        errors = _remind(today) + _send_digests()
    if errors:
        raise click.ClickException(" | ".join(errors))


def _remind(today: date) -> list[str]:
    """The deadline reminders, reported on the terminal; returns what failed."""
    last_id = db.session.scalar(sa.select(sa.func.max(Notification.id))) or 0
    try:
        reminded = remind_deadlines(today)
    except Exception as error:  # the digests of what is already there still go out
        db.session.rollback()
        current_app.logger.exception("Deadline reminders failed")
        return [f"deadline reminders failed: {error!r}"]
    created = db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification).where(Notification.id > last_id))
    click.echo(f"Deadline reminders for {today.isoformat()}: {reminded} findings, tasks and remediation items reminded, "
               f"{created} notifications created.")
    return []


def _send_digests() -> list[str]:
    """Each user's digest of new notifications, when email is configured; returns what failed."""
    if not notifications.mail_configured():
        click.echo("Email is not configured (MAIL_SERVER is empty): no email sent. "
                   "In-app notifications work without it.")
        return []
    try:
        sent = notifications.send_digests(link_url)
    except notifications.MailNotConfigured as error:
        return [f"email settings: {error}"]
    except notifications.DigestFailed as error:
        click.echo(f"Digests: {error.sent} emails sent.")
        return [f"{len(error.failures)} digest(s) not sent, their notifications stay pending "
                f"for the next run: " + "; ".join(error.failures)]
    click.echo(f"Digests: {sent} emails sent.")
    return []


def remind_deadlines(today: date) -> int:
    """The "due in N days" and "overdue" notifications of findings, tasks and remediation items,
    committed; returns how many were reminded."""
    created = findings.remind_deadlines(today) + follow_ups.remind_deadlines(today)
    db.session.commit()
    return created


@click.group("storage")
def storage_group():
    """The evidence files' store: unused files, and moving them to another store."""


@storage_group.command("gc")
@click.option("--delete", is_flag=True, help="Remove them (without it, only list them).")
@click.option("--grace-hours", type=click.IntRange(min=0), default=24, show_default=True,
              help="Leave files younger than this: an upload stores its file just before its row commits.")
@with_appcontext
def storage_gc_command(delete, grace_hours):
    """List (or with --delete remove) stored files that no attachment names."""
    unused = evidence.unused_files(timedelta(hours=grace_hours))
    store = storage.current()
    for item in unused:
        if delete:
            store.delete(item.key)
        click.echo(f"{'removed' if delete else 'unused '}  {item.key}  {item.size} bytes")
    total = sum(item.size for item in unused)
    click.echo(f"{len(unused)} unused files, {total} bytes, in {store.url}: "
               + ("removed." if delete else "nothing removed (dry run; --delete removes them)."))


@storage_group.command("copy")
@click.option("--to", "target_url", required=True, help="s3://bucket/prefix or a folder.")
@click.option("--endpoint-url", default=None, help="The target's S3 endpoint (default: S3_ENDPOINT_URL).")
@with_appcontext
def storage_copy_command(target_url, endpoint_url):
    """Copy every stored file to another store, checking each SHA-256; run it again to resume. Then
    set STORAGE_URL to the new store."""
    source = storage.current()
    target = storage.open_storage(target_url, endpoint_url or current_app.config.get("S3_ENDPOINT_URL"))
    try:
        report = storage.copy_objects(source, target, echo=click.echo)
    except storage.StorageUnavailable as error:
        raise click.ClickException(f"a store did not answer ({error}); run the command again to resume") from None
    click.echo(f"From {source.url} to {target.url}: {len(report.copied)} copied, {len(report.skipped)} already "
               f"there, {len(report.failed)} failed.")
    if report.failed:
        raise click.ClickException("some files were not copied: " + ", ".join(report.failed))
