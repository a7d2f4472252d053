"""The one builder of notification links: url_for on a notification's stored endpoint and values."""
from collections.abc import Mapping

from flask import current_app, url_for
from werkzeug.routing import BuildError

from app.services.notifications import LIST


def link_url(endpoint: str, values: Mapping, base_url: str | None = None) -> str:
    """The address a notification leads to: a path in a request, or a full URL under `base_url` (the
    digest, mailed without a request)."""
    if base_url is not None:
        with current_app.test_request_context(base_url=base_url):
            return _build(endpoint, values, external=True)
    return _build(endpoint, values, external=False)


def _build(endpoint: str, values: Mapping, external: bool) -> str:
    """A route that is gone, or values it does not take, lead to the list; values naming url_for's own
    options (a leading "_") are never passed on."""
    route_values = {key: value for key, value in values.items() if not key.startswith("_")}
    try:
        return url_for(endpoint, _external=external, **route_values)
    except BuildError:
        return url_for(LIST.endpoint, _external=external)
