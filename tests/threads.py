"""Running work at the same moment in several threads: for races the database has to decide."""
import threading

from app.extensions import db


def in_threads(app, count, work):
    """Run work(n) in `count` threads at once, each with its own app context, session and connection;
    the results in thread order. Any exception fails the test."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def run(n):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results[n] = work(n)
            except Exception as error:  # noqa: BLE001 (reported below)
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def after_both_looked(find):
    """`find` (a lookup of the draft already started), made to wait on its first call in each of two
    threads until both have looked: both find nothing, as two clicks at once do."""
    looked, first = threading.Barrier(2), threading.local()

    def look(*args):
        found = find(*args)
        if not getattr(first, "done", False):
            first.done = True
            looked.wait(timeout=10)
        return found

    return look
