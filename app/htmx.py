"""One place that decides between a full page and a fragment, and the htmx response headers."""
import json

from flask import make_response, render_template, request, session


def is_htmx() -> bool:
    """A fragment request: htmx, but not a history restore (which wants the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(template_name: str, fragment_name: str | None = None, status: int = 200, **context):
    """Render the fragment for htmx requests, the page (which includes the fragment) otherwise."""
    as_fragment = bool(fragment_name) and is_htmx()
    body = render_template(fragment_name if as_fragment else template_name, **context)
    if as_fragment and session.get("_flashes"):
        # Flashed messages ride along as an out-of-band swap of the page's flash area.
        body += render_template("_partials/flash.html", oob=True)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


# Events sent with HX-Trigger; elements listen with hx-trigger="<event> from:body".
ANSWER_SAVED = "answerSaved"  # an answer or its evidence changed: the progress panel refreshes itself


def hx_redirect(response, url: str):
    """A full navigation that htmx performs itself (it cannot see headers of a 3xx)."""
    response.headers["HX-Redirect"] = url
    return response


def hx_retarget(response, selector: str, swap: str = "outerHTML"):
    """Swap the response somewhere else than the request's target (a refused save redraws its card)."""
    response.headers["HX-Retarget"] = selector
    response.headers["HX-Reswap"] = swap
    return response


def hx_trigger(response, event: str, detail=None):
    response.headers["HX-Trigger"] = json.dumps({event: detail}) if detail is not None else event
    return response
