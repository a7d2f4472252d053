from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, PasswordField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from app.forms import Form
from app.models import Role
from app.services.documents import pattern_problem
from app.units.forms import coerce_id, unit_choices

LOCALE_CHOICES = [SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")]


class UserForm(Form):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autocapitalize": "none", "autocomplete": "off"})
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    title = StringField(_l("Position"), validators=[Optional(), Length(max=120)],
                        description=_l("As printed under a signature, e.g. Chuyên viên, Phó Giám đốc."))
    email = StringField(_l("Email"), validators=[Optional(), Email(), Length(max=255)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    unit_id = SelectField(_l("Unit"), coerce=coerce_id,
                          description=_l("Required for the head of an inspected unit."))
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES)
    active = BooleanField(_l("Active (may log in)"), default=True)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice(role.value, role.label) for role in Role]
        user = kwargs.get("obj")
        self.unit_id.choices = unit_choices(_l("— no unit —"), current_id=user.unit_id if user else None)


class NewUserForm(UserForm):
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(max=128)],
                             render_kw={"autocomplete": "new-password"})


class ResetPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=128)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Set password"))


def _pattern_or(default: str):
    """A number pattern as typed (spaces dropped), or the usual one when left empty."""
    return lambda value: "".join((value or "").split()) or default


def _valid_pattern(_form, field):
    """A document number pattern the series can number with (app.services.documents.pattern_problem)."""
    problem = pattern_problem(field.data)
    if problem:
        raise ValidationError(problem)


class IssuingBodyForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=255)],
                       description=_l("As printed in a document header, e.g. Ban Chỉ đạo cải cách hành chính tỉnh."))
    abbreviation = StringField(_l("Abbreviation in document symbols"), validators=[DataRequired(), Length(max=32)],
                               description=_l("The part after the dash, e.g. BCĐ in 12/QĐ-BCĐ."))
    superior_name = StringField(_l("Governing body"), validators=[Optional(), Length(max=255)],
                                description=_l("Printed above the name, e.g. UBND TỈNH KON TUM."))
    place_name = StringField(_l("Place name"), validators=[DataRequired(), Length(max=100)],
                             description=_l("For the date line, e.g. Kon Tum, ngày … tháng … năm …"))
    signer_title = StringField(_l("Signer's title"), validators=[Optional(), Length(max=100)])
    signer_name = StringField(_l("Signer's name"), validators=[Optional(), Length(max=100)])
    minutes_number_pattern = StringField(
        _l("Number of its minutes"), validators=[Length(max=64), _valid_pattern], filters=[_pattern_or("{n}/BB-ĐKT")],
        description=_l("{n} is the number in the year's series (01, 02, …), {year} the year, {abbr} the "
                       "abbreviation, e.g. {n}/BB-ĐKT."))
    conclusion_number_pattern = StringField(
        _l("Number of its conclusion notices"), validators=[Length(max=64), _valid_pattern], filters=[_pattern_or("{n}/TB-{abbr}")],
        description=_l("e.g. {n}/TB-{abbr} gives 08/TB-BCĐ."))
    plan_number_pattern = StringField(
        _l("Number of its inspection plans"), validators=[Length(max=64), _valid_pattern], filters=[_pattern_or("{n}/KH-{abbr}")],
        description=_l("e.g. {n}/KH-{abbr} gives 05/KH-BCĐ."))
    report_number_pattern = StringField(
        _l("Number of its periodic reports"), validators=[Length(max=64), _valid_pattern], filters=[_pattern_or("{n}/BC-{abbr}")],
        description=_l("e.g. {n}/BC-{abbr} gives 12/BC-BCĐ."))
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))



class AuditFilterForm(Form):
    """GET filters of the audit log: no CSRF needed, nothing changes."""

    class Meta:
        csrf = False

    entity = SelectField(_l("Record"), validators=[Optional()])
    action = SelectField(_l("Action"), validators=[Optional()])
    user_id = SelectField(_l("User"), coerce=coerce_id, validators=[Optional()])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
