"""The unit registry (cơ quan, đơn vị, địa phương) and the bodies that issue documents."""
from datetime import date
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import LabelledEnum, TimestampMixin, enum_column


class UnitKind(LabelledEnum):
    PROVINCE = "province"
    DEPARTMENT = "department"
    VERTICAL_AGENCY = "vertical_agency"
    SERVICE_CENTER = "service_center"
    PUBLIC_SERVICE = "public_service"
    PRESS = "press"
    DISTRICT = "district"
    COMMUNE = "commune"
    STEERING_COMMITTEE = "steering_committee"
    OTHER = "other"

    @classmethod
    def labels(cls):
        return {
            cls.PROVINCE: _l("Provincial People's Committee"),
            cls.DEPARTMENT: _l("Department or agency"),
            cls.VERTICAL_AGENCY: _l("Vertical-line agency"),
            cls.SERVICE_CENTER: _l("Public administrative service centre"),
            cls.PUBLIC_SERVICE: _l("Public service unit"),
            cls.PRESS: _l("Press agency"),
            cls.DISTRICT: _l("District People's Committee (before 2025)"),
            cls.COMMUNE: _l("Commune People's Committee"),
            cls.STEERING_COMMITTEE: _l("Steering committee"),
            cls.OTHER: _l("Other"),
        }


class Unit(TimestampMixin, db.Model):
    """A node of the unit tree. Never deleted once it has history; succeeded units keep their rows."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind, name="unit_kind"))
    parent_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    valid_from: Mapped[Optional[date]]
    valid_to: Mapped[Optional[date]]
    successor_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    # Code and name without diacritics, kept by app.models.search for the search box.
    search_key: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    parent: Mapped[Optional["Unit"]] = relationship(
        remote_side=[id], foreign_keys=[parent_id], back_populates="children"
    )
    children: Mapped[list["Unit"]] = relationship(
        foreign_keys=[parent_id], back_populates="parent", order_by="Unit.name"
    )
    successor: Mapped[Optional["Unit"]] = relationship(remote_side=[id], foreign_keys=[successor_id])

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


class IssuingBody(TimestampMixin, db.Model):
    """Who issues and signs decisions and notices: data, since bodies and place names change."""

    __tablename__ = "issuing_body"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    # The short form used in document symbols, e.g. "BCĐ" in 12/QĐ-BCĐ.
    abbreviation: Mapped[str] = mapped_column(sa.String(32))
    # The governing body printed above the name in a document header, e.g. "UBND TỈNH KON TUM".
    superior_name: Mapped[str] = mapped_column(sa.String(255), default="")
    # Place name of the date line: "Kon Tum, ngày … tháng … năm …".
    place_name: Mapped[str] = mapped_column(sa.String(100))
    signer_title: Mapped[str] = mapped_column(sa.String(100), default="")
    signer_name: Mapped[str] = mapped_column(sa.String(100), default="")
    # How the numbers of its documents are written: {n} is the number in the year's series (two digits
    # at least), {year} the year, {abbr} the abbreviation, e.g. "{n}/BB-ĐKT", "{n}/TB-{abbr}".
    minutes_number_pattern: Mapped[str] = mapped_column(sa.String(64), default="{n}/BB-ĐKT",
                                                        server_default="{n}/BB-ĐKT")
    conclusion_number_pattern: Mapped[str] = mapped_column(sa.String(64), default="{n}/TB-{abbr}",
                                                           server_default="{n}/TB-{abbr}")
    plan_number_pattern: Mapped[str] = mapped_column(sa.String(64), default="{n}/KH-{abbr}",
                                                     server_default="{n}/KH-{abbr}")
    report_number_pattern: Mapped[str] = mapped_column(sa.String(64), default="{n}/BC-{abbr}",
                                                       server_default="{n}/BC-{abbr}")
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<IssuingBody {self.code}>"
