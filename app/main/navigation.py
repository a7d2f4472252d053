"""The main navigation: which links each role sees, and which stay on the bar.

The header is one touch row high on a tablet, landscape or portrait: the first items of a role (its
`primary` ones) sit on the bar, the rest in the "More" menu, a <details> element that opens without
JavaScript. On a portrait tablet only the first two primary items stay on the bar (app.css).
"""
from collections.abc import Collection
from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l

from app.models import Role
from app.services.permissions import STAFF


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    roles: Collection[Role]
    section: str  # the endpoint prefix that marks the item as current
    primary: bool = False


NAV_ITEMS = (
    NavItem(_l("Home"), "main.index", tuple(Role), "main.", primary=True),
    NavItem(_l("Oversight"), "reports.dashboard", STAFF, "reports.dashboard", primary=True),
    NavItem(_l("Inspections"), "inspections.index", tuple(Role), "inspections.i", primary=True),
    NavItem(_l("Findings"), "findings.index", tuple(Role), "findings.", primary=True),
    NavItem(_l("Tasks and remediation"), "follow_ups.index", tuple(Role), "follow_ups."),
    NavItem(_l("Directives"), "directives.index", STAFF, "directives."),
    NavItem(_l("CCHC index"), "cchc_index.index", STAFF, "cchc_index."),
    # Unit heads too: their unit's inspections by month, and the issued plan documents of the year.
    NavItem(_l("Annual plan"), "inspections.plan", tuple(Role), "inspections.plan"),
    NavItem(_l("Checklists"), "checklists.index", STAFF, "checklists."),
    NavItem(_l("Units"), "units.index", (Role.ADMIN,), "units."),
    NavItem(_l("Users"), "admin.users", (Role.ADMIN,), "admin.user"),
    NavItem(_l("Issuing bodies"), "admin.issuing_bodies", (Role.ADMIN,), "admin.issuing_bod"),
    NavItem(_l("Audit log"), "admin.audit", (Role.ADMIN,), "admin.audit"),
)


def navigation_for(user, endpoint: str | None) -> list[dict]:
    if not user or not user.is_authenticated:
        return []
    return [
        {"label": item.label, "url": url_for(item.endpoint), "primary": item.primary,
         "current": (endpoint or "").startswith(item.section)}
        for item in NAV_ITEMS
        if user.role in item.roles
    ]
