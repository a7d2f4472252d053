"""Every model, imported here so Alembic's autogenerate sees them all."""
from app.models.audit import AuditEvent
from app.models.unit import IssuingBody, Unit, UnitKind
from app.models.user import Role, User

__all__ = ["AuditEvent", "IssuingBody", "Role", "Unit", "UnitKind", "User"]
