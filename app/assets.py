"""Static files under content-hashed URLs (`/static/js/app.js?v=<hash>`), kept by browsers for a year.

A new release changes a file's hash and so its URL: a tablet never runs yesterday's JS with today's
page, and the service worker's precache list changes with it. A query hash rather than renamed copies
(Flask-Static-Digest): no compile step and no generated files to keep in step with the sources.
"""
import hashlib
import os
from functools import lru_cache
from pathlib import Path

from flask import Flask, request

YEAR = 365 * 24 * 3600


@lru_cache(maxsize=256)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def digest(app: Flask, filename: str) -> str | None:
    """The file's content hash, None for a missing file. In development and tests a file edited on
    disk gets its new hash at once; in production files change only with a release (a restart), so
    a page's dozen static URLs cost no system call."""
    if app.debug or app.testing:
        return _current_digest(app.static_folder, filename)
    return _release_digest(app.static_folder, filename)


def _current_digest(folder: str, filename: str) -> str | None:
    path = os.path.join(folder, filename)
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return _digest(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _release_digest(folder: str, filename: str) -> str | None:
    return _current_digest(folder, filename)


def init_app(app: Flask) -> None:
    @app.url_defaults
    def hashed_static_url(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = digest(app, values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def static_cache(response):
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        # Read whole (they are small): Flask-Compress then compresses them like pages (its streaming
        # path leaves the file open).
        source = response.response
        response.make_sequence()
        response.direct_passthrough = False
        if hasattr(source, "close"):
            source.close()  # read whole: the file is not needed until the response closes
        version = request.args.get("v")
        if version and version == digest(app, request.view_args["filename"]):
            response.cache_control.no_cache = None
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
        else:  # an unhashed or outdated address: ask again each time
            response.cache_control.no_cache = True
            response.cache_control.max_age = None
        return response
