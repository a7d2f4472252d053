"""SQLite writers taking turns (app/database.py): across processes, as gunicorn's workers, and threads."""
import subprocess
import sys
import threading

import pytest

from app.database import write_turn
from app.extensions import db
from tests.conftest import TEST_DATABASE_URL

pytestmark = pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="PostgreSQL locks rows: writers take no turns")

# Another worker asking for the turn without waiting: exit 0 when it got it, 1 when it is taken.
OTHER_WORKER = """
import fcntl, sys
with open(sys.argv[1], "a") as turn:
    try:
        fcntl.flock(turn, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        sys.exit(1)
"""


def other_worker_gets_the_turn(app) -> bool:
    path = app.extensions["sqlite_write_turns"]
    return subprocess.run([sys.executable, "-c", OTHER_WORKER, path], timeout=30).returncode == 0


def test_the_turn_file_lies_beside_the_database(app):
    assert app.extensions["sqlite_write_turns"] == f"{db.engine.url.database}-write.lock"


def test_another_process_waits_while_a_write_has_the_turn(app):
    assert other_worker_gets_the_turn(app)
    with write_turn():
        assert not other_worker_gets_the_turn(app)
    assert other_worker_gets_the_turn(app)


def test_the_turn_is_given_back_when_the_write_fails(app):
    with pytest.raises(RuntimeError), write_turn():
        raise RuntimeError("the write failed")
    assert other_worker_gets_the_turn(app)


def test_another_thread_waits_for_the_turn(app):
    entered, done = threading.Event(), threading.Event()

    def other_thread():
        with app.app_context(), write_turn():
            entered.set()
        done.set()

    with write_turn():
        thread = threading.Thread(target=other_thread)
        thread.start()
        assert not entered.wait(timeout=0.3)  # still waiting while this write has the turn
    assert done.wait(timeout=10) and entered.is_set()
    thread.join()
