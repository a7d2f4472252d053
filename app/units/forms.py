import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from app.extensions import db
from app.forms import Form
from app.models import Unit, UnitKind


def unit_choices(blank_label, exclude: Unit | None = None, current_id: int | None = None) -> list[SelectChoice]:
    """Active units as "CODE — name" for a select, plus the current value even if it is inactive
    (so saving a form never drops it); one query, ordered by code."""
    query = sa.select(Unit.id, Unit.code, Unit.name).order_by(Unit.code)
    query = query.where(sa.or_(Unit.active, Unit.id == current_id) if current_id else Unit.active)
    if exclude is not None and exclude.id:
        query = query.where(Unit.id != exclude.id)
    return [SelectChoice("", blank_label)] + [
        SelectChoice(str(i), f"{code} — {name}") for i, code, name in db.session.execute(query)
    ]


def coerce_id(value):
    return int(value) if value not in (None, "", "None") else None


class UnitForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)],
                       description=_l("Short and unique, e.g. SNV or XA-DAKHA."))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=255)])
    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    parent_id = SelectField(_l("Parent unit"), coerce=coerce_id, validate_choice=True)
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    valid_to = DateField(_l("Valid until"), validators=[Optional()])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, unit: Unit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(k.value, k.label) for k in UnitKind]
        self.parent_id.choices = unit_choices(_l("— none (top level) —"), exclude=unit,
                                              current_id=unit.parent_id if unit else None)


class MoveForm(Form):
    parent_id = SelectField(_l("New parent unit"), coerce=coerce_id)
    submit = SubmitField(_l("Move"))

    def __init__(self, *args, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.parent_id.choices = unit_choices(_l("— none (top level) —"), exclude=unit, current_id=unit.parent_id)


class SuccessionForm(Form):
    successor_id = SelectField(_l("Successor unit"), coerce=coerce_id, validators=[DataRequired()])
    on_date = DateField(_l("From date"), validators=[DataRequired()])
    submit = SubmitField(_l("Record succession"))

    def __init__(self, *args, unit: Unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.successor_id.choices = unit_choices(_l("— choose —"), exclude=unit)


class ImportForm(Form):
    file = FileField(
        _l("File (.xlsx or .csv)"),
        validators=[FileRequired(_l("Choose a file.")),
                    FileAllowed(["xlsx", "csv"], _l("Choose a .xlsx or .csv file."))],
    )
    submit = SubmitField(_l("Import"))
