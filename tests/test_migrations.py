"""Every migration runs on an empty database, and then the models match the migrations (`flask db check`)."""
import uuid

import pytest
import sqlalchemy as sa

from app import create_app
from app.config import TestingConfig
from tests.conftest import TEST_DATABASE_URL


@pytest.fixture
def empty_database_url(tmp_path):
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    # A database of its own on the same server, dropped afterwards.
    name = f"kiemtra_migrations_{uuid.uuid4().hex[:8]}"
    server = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield server.url.set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    server.dispose()


def test_migrations_build_the_schema_the_models_describe(empty_database_url):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=empty_database_url)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from app.extensions import db

        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"unit", "user", "issuing_body", "audit_event", "alembic_version"} <= tables
        db.engine.dispose()


def test_session_token_migration_gives_each_user_a_token_and_reverses(empty_database_url):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=empty_database_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "7e5f9a1b3d50"]).exit_code == 0
    with app.app_context():
        from app.extensions import db

        with db.engine.begin() as connection:
            for name in ("an", "binh"):
                connection.execute(sa.text(
                    "INSERT INTO \"user\" (username, full_name, title, email, password_hash, role, active, locale, "
                    "failed_logins, session_version, created_at, updated_at) VALUES (:name, :name, '', '', 'x', "
                    "'inspector', true, 'vi', 3, 2, '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')"),
                    {"name": name})
        result = runner.invoke(args=["db", "upgrade", "c3b89f53270d"])
        assert result.exit_code == 0, result.output
        with db.engine.connect() as connection:
            tokens = connection.execute(sa.text('SELECT session_token FROM "user"')).scalars().all()
        assert len(set(tokens)) == 2 and all(len(token) >= 32 for token in tokens)

        result = runner.invoke(args=["db", "downgrade", "7e5f9a1b3d50"])
        assert result.exit_code == 0, result.output
        with db.engine.connect() as connection:
            rows = connection.execute(sa.text('SELECT failed_logins, session_version FROM "user"')).all()
        assert rows == [(0, 1), (0, 1)]
        db.engine.dispose()


def test_per_device_sessions_migration_drops_the_user_token_and_reverses(empty_database_url):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=empty_database_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "14a9ec91da11"]).exit_code == 0
    with app.app_context():
        from app.extensions import db

        with db.engine.begin() as connection:
            for name in ("an", "binh"):
                connection.execute(sa.text(
                    "INSERT INTO \"user\" (username, full_name, title, email, password_hash, role, active, locale, "
                    "session_token, created_at, updated_at) VALUES (:name, :name, '', '', 'x', 'inspector', true, "
                    "'vi', :name, '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')"), {"name": name})
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        inspector = sa.inspect(db.engine)
        assert "session_token" not in {column["name"] for column in inspector.get_columns("user")}
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM user_session")).scalar() == 0

        result = runner.invoke(args=["db", "downgrade", "14a9ec91da11"])
        assert result.exit_code == 0, result.output
        with db.engine.connect() as connection:
            tokens = connection.execute(sa.text('SELECT session_token FROM "user"')).scalars().all()
        # New random tokens: cookies naming the old ones (here "an", "binh") do not come back to life.
        assert len(set(tokens)) == 2 and all(len(token) >= 32 for token in tokens)
        assert "user_session" not in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_plan_documents_migration_checks_owners_and_reverses(empty_database_url):
    """After the upgrade a plan has no inspection and a minutes must have one; the downgrade deletes the
    plans (the old schema cannot hold them) and their number series."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=empty_database_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "88addd783260"]).exit_code == 0
    with app.app_context():
        from app.extensions import db

        stamp = "'2026-01-01 00:00:00+00:00'"
        with db.engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO issuing_body (code, name, abbreviation, superior_name, place_name, "
                                       "signer_title, signer_name, active, created_at, updated_at) VALUES ('BCD', "
                                       f"'Ban Chỉ đạo', 'BCĐ', '', 'Kon Tum', '', '', true, {stamp}, {stamp})"))
            assert connection.execute(sa.text("SELECT plan_number_pattern FROM issuing_body")).scalar() == "{n}/KH-{abbr}"
            connection.execute(sa.text(
                "INSERT INTO document (kind, status, issuing_body_id, place, texts, period_start, period_end, row_version, "
                f"created_at, updated_at) SELECT 'plan', 'draft', id, '', '{{}}', '2026-01-01', '2026-12-31', 1, {stamp}, "
                f"{stamp} FROM issuing_body"))
            connection.execute(sa.text("INSERT INTO document_sequence (issuing_body_id, kind, year, last) "
                                       "SELECT id, 'plan', 2026, 1 FROM issuing_body"))
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO document (kind, status, issuing_body_id, place, texts, row_version, created_at, "
                f"updated_at) SELECT 'minutes', 'draft', id, '', '{{}}', 1, {stamp}, {stamp} FROM issuing_body"))
        result = runner.invoke(args=["db", "downgrade", "d25e01f773be"])
        assert result.exit_code == 0, result.output
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM document")).scalar() == 0
            assert connection.execute(sa.text("SELECT count(*) FROM document_sequence")).scalar() == 0
        assert "plan_number_pattern" not in {c["name"] for c in sa.inspect(db.engine).get_columns("issuing_body")}
        db.engine.dispose()


def test_report_migration_adds_the_scope_and_reverses(empty_database_url):
    """After the upgrade a report has a period and a scope; the downgrade deletes the reports."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=empty_database_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "19a5f7a0f54a"]).exit_code == 0
    with app.app_context():
        from app.extensions import db

        stamp = "'2026-01-01 00:00:00+00:00'"
        with db.engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO issuing_body (code, name, abbreviation, superior_name, place_name, "
                                       "signer_title, signer_name, active, created_at, updated_at) VALUES ('BCD', "
                                       f"'Ban Chỉ đạo', 'BCĐ', '', 'Kon Tum', '', '', true, {stamp}, {stamp})"))
            assert connection.execute(sa.text("SELECT report_number_pattern FROM issuing_body")).scalar() == "{n}/BC-{abbr}"
            connection.execute(sa.text(
                "INSERT INTO document (kind, status, issuing_body_id, place, texts, period_start, period_end, scope, "
                f"row_version, created_at, updated_at) SELECT 'report', 'draft', id, '', '{{}}', '2026-01-01', "
                f"'2026-06-30', 'commune', 1, {stamp}, {stamp} FROM issuing_body"))
        result = runner.invoke(args=["db", "downgrade", "88addd783260"])
        assert result.exit_code == 0, result.output
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM document")).scalar() == 0
        assert "scope" not in {c["name"] for c in sa.inspect(db.engine).get_columns("document")}
        db.engine.dispose()


def test_one_open_draft_migration_refuses_a_second_draft_and_reverses(empty_database_url):
    """After the upgrade a second draft report of the same period and scope is refused (a final one is
    not); the downgrade drops the indexes and allows it again."""
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=empty_database_url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "d0185fe0b031"]).exit_code == 0
    with app.app_context():
        from app.extensions import db

        stamp = "'2026-01-01 00:00:00+00:00'"

        def add_report(status: str) -> None:
            with db.engine.begin() as connection:
                connection.execute(sa.text(
                    "INSERT INTO document (kind, status, issuing_body_id, place, texts, period_start, period_end, "
                    f"scope, row_version, created_at, updated_at) SELECT 'report', '{status}', id, '', '{{}}', "
                    f"'2026-01-01', '2026-06-30', '', 1, {stamp}, {stamp} FROM issuing_body"))

        with db.engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO issuing_body (code, name, abbreviation, superior_name, place_name, "
                                       "signer_title, signer_name, active, created_at, updated_at) VALUES ('BCD', "
                                       f"'Ban Chỉ đạo', 'BCĐ', '', 'Kon Tum', '', '', true, {stamp}, {stamp})"))
        add_report("draft")
        add_report("final")
        with pytest.raises(sa.exc.IntegrityError):
            add_report("draft")
        result = runner.invoke(args=["db", "downgrade", "757ef5d7a2e4"])
        assert result.exit_code == 0, result.output
        add_report("draft")
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM document WHERE status = 'draft'")).scalar() == 2
        db.engine.dispose()
