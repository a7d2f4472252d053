"""SQLite, the embedded default: its connection settings, and writers taking turns.

SQLite lets one writer in at a time. A writer that finds the lock taken does not queue: it sleeps 1 ms,
then 2, 5, 10… before it tries again, while an autosave holds the lock for about 0.15 ms. With two
workers saving at once, those sleeps took a sixth of the workers' time (bench/checklist.py). So the
autosave waits for its turn on a file lock instead, which the kernel hands over the moment it is
released, and finds SQLite's lock free. PostgreSQL locks rows, not the database: there it is no wait.
"""
import hashlib
import os
from contextlib import contextmanager, nullcontext

try:
    import fcntl
except ImportError:  # Windows: writers then wait on SQLite's own lock, as they would without turns
    fcntl = None

import sqlalchemy as sa
from flask import Flask, current_app

from app.extensions import db


def init_app(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            return
        sa.event.listen(db.engine, "connect", _sqlite_pragmas)
        database = db.engine.url.database
        if fcntl and database and database != ":memory:":
            app.extensions["sqlite_write_turns"] = f"{database}-write.lock"


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def write_turn():
    """`with write_turn():` around a short write transaction, from its first write to its commit."""
    path = current_app.extensions.get("sqlite_write_turns")
    return _turn(path) if path else nullcontext()


@contextmanager
def _turn(path: str):
    # Each turn opens the (empty) file anew: an exclusive lock then also keeps out the other threads of
    # this process, and closing the file gives the turn back whatever happens. Reading is enough to
    # lock, so a file left by another user (root running `flask seed-demo`) does not stop the app.
    turn = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
    try:
        fcntl.flock(turn, fcntl.LOCK_EX)
        yield
    finally:
        os.close(turn)


@contextmanager
def job_lock(name: str):
    """`with job_lock("send-reminders") as held:` runs a job once across processes and servers: `held`
    is False while another run holds it. PostgreSQL: a session advisory lock on a connection kept for the
    job (servers share the database, not a disk). SQLite: a file lock beside the database file."""
    if db.engine.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        with db.engine.connect() as connection:
            held = connection.scalar(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
            try:
                yield held
            finally:
                if held:
                    connection.scalar(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.rollback()
        return
    database = db.engine.url.database
    if not fcntl or not database or database == ":memory:":
        yield True  # one process only: nothing to share a lock with
        return
    handle = os.open(f"{database}-{name}.lock", os.O_RDONLY | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
        else:
            yield True
    finally:
        os.close(handle)


def plain_rows(query) -> sa.CursorResult:
    """The rows of a query of plain columns, run on the session's connection and fetched a hundred at a
    time: the ORM's row loading and a driver call per row (psycopg) cost as much as the reports' SQL
    at scale, and fetching all rows at once keeps thousands of objects alive long enough for the garbage
    collector to move them to its oldest generation, whose full collections take ~80 ms here.
    Pending changes are flushed first, as the session's own execute would."""
    db.session.flush()
    return db.session.connection().execute(query).yield_per(100)
