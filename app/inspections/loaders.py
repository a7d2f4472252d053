"""Loading an inspection for a request: what the inspections, findings and documents routes share
(a route module imports no other blueprint's routes)."""
from flask import abort
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.models import Inspection, InspectionMember
from app.services import permissions


def get_inspection(inspection_id: int, *loading) -> Inspection:
    """An inspection the user may see, with its unit, template and team (or what `loading` asks for);
    any other answers 404, never its data."""
    inspection = db.session.scalar(
        permissions.visible_inspections(current_user)
        .where(Inspection.id == inspection_id)
        .options(*loading or (selectinload(Inspection.members).joinedload(InspectionMember.user),
                              joinedload(Inspection.unit), joinedload(Inspection.template)))
    )
    if inspection is None:
        abort(404)
    return inspection
