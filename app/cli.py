"""Command-line tasks: demo data and the first administrator."""
import click
from flask_babel import force_locale

from app.models import Role
from app.services import accounts
from app.services.errors import ValidationFailed


def init_app(app):
    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load demo units, issuing bodies and accounts (safe to run again)."""
        from app.demo import DEMO_PASSWORD, seed_demo

        added = seed_demo()
        click.echo(
            f"Demo data: {added['units']} units, {added['issuing_bodies']} issuing bodies, "
            f"{added['users']} users, {added['checklists']} checklists, {added['inspections']} inspections added."
        )
        click.echo(f"Demo logins (password {DEMO_PASSWORD}): admin, leader, inspector, inspector2, unithead, unithead2")

    @app.cli.command("create-admin")
    @click.argument("username")
    @click.option("--full-name", default="Quản trị hệ thống", show_default=True)
    @click.password_option()
    def create_admin_command(username, full_name, password):
        """Create an administrator account (for a new production database)."""
        with force_locale("en"):
            try:
                accounts.create_user(None, password, username=username, full_name=full_name, role=Role.ADMIN)
            except ValidationFailed as error:
                raise click.ClickException(error.message)
        click.echo(f"Administrator {username} created.")
