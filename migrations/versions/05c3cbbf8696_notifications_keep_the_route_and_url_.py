"""notifications keep the route and URL values they lead to, not a path

The stored paths become (endpoint, values): "/findings/5" → findings.detail {finding_id: 5},
"/findings/?unit=3" → findings.index {unit: "3"}, "/documents/7" → documents.detail {document_id: 7};
any other path leads to the notification list. The downgrade writes the paths back.

Revision ID: 05c3cbbf8696
Revises: 7f23219d7e0d
Create Date: 2026-12-04 17:43:24.773379

"""
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '05c3cbbf8696'
down_revision = '7f23219d7e0d'
branch_labels = None
depends_on = None

notification = sa.table("notification", sa.column("id", sa.Integer), sa.column("link", sa.String),
                        sa.column("endpoint", sa.String), sa.column("link_values", sa.JSON))

# (path pattern, endpoint, name of the id it captures), as the routes were when paths were stored.
ROUTES = [
    (re.compile(r"/findings/(\d+)"), "findings.detail", "finding_id"),
    (re.compile(r"/findings/"), "findings.index", None),
    (re.compile(r"/documents/(\d+)"), "documents.detail", "document_id"),
    (re.compile(r"/notifications/"), "notifications.index", None),
]
LIST = ("notifications.index", {})


def _route(link: str) -> tuple[str, dict]:
    parts = urlsplit(link)
    for pattern, endpoint, id_name in ROUTES:
        match = pattern.fullmatch(parts.path)
        if match:
            values = dict(parse_qsl(parts.query))
            if id_name:
                values[id_name] = int(match.group(1))
            return endpoint, values
    return LIST


def _path(endpoint: str, values: dict) -> str:
    values = dict(values)
    for pattern, known, id_name in ROUTES:
        if known == endpoint:
            path = pattern.pattern.replace(r"(\d+)", str(values.pop(id_name))) if id_name else pattern.pattern
            return path + ("?" + urlencode(values) if values else "")
    return "/notifications/"


def upgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('endpoint', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('link_values', sa.JSON(), nullable=True))
    connection = op.get_bind()
    for id_, link in connection.execute(sa.select(notification.c.id, notification.c.link)).all():
        endpoint, values = _route(link)
        connection.execute(notification.update().where(notification.c.id == id_)
                           .values(endpoint=endpoint, link_values=values))
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.alter_column('endpoint', existing_type=sa.String(length=100), nullable=False)
        batch_op.alter_column('link_values', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('link')


def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link', sa.VARCHAR(length=500), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(notification.c.id, notification.c.endpoint, notification.c.link_values))
    for id_, endpoint, values in rows.all():
        connection.execute(notification.update().where(notification.c.id == id_)
                           .values(link=_path(endpoint, values or {})))
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.alter_column('link', existing_type=sa.VARCHAR(length=500), nullable=False)
        batch_op.drop_column('link_values')
        batch_op.drop_column('endpoint')
