"""Gunicorn's settings, read from the working directory (its default config file): `gunicorn wsgi:app`."""
import gc


def post_worker_init(worker):
    # The app, its imports and its templates live as long as the worker: set them aside from the
    # garbage collector, so that a full collection walks only what a request made. Without this a
    # dashboard request at scale pauses ~80 ms every 15-20 requests (bench/reports.py).
    gc.collect()
    gc.freeze()
