from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, FloatField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.checklists.forms import enum_choices
from app.findings.forms import files_field
from app.forms import Form, clamp_year, db_int
from app.models import FollowUpEventKind, Outcome


def list_filters(args) -> dict:
    return {"kind": args.get("kind", ""), "status": args.get("status", ""), "unit": args.get("unit", type=db_int),
            "overdue": args.get("overdue") == "1", "year": clamp_year(args.get("year", type=db_int))}


class ReportForm(Form):
    kind = RadioField(_l("What are you posting?"), default=FollowUpEventKind.REPORT.value)
    text = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=5000)])
    numerator = FloatField(_l("Numerator (or the rank reached)"), validators=[Optional()])
    denominator = FloatField(_l("Denominator (or among how many)"), validators=[Optional()])
    file = files_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="report", **kwargs)
        self.kind.choices = [SelectChoice(k.value, k.label) for k in (FollowUpEventKind.REPORT, FollowUpEventKind.PLAN)]


class CompletionForm(Form):
    text = TextAreaField(_l("What was done"), validators=[DataRequired(), Length(max=5000)])
    numerator = FloatField(_l("Numerator (or the rank reached)"), validators=[Optional()])
    denominator = FloatField(_l("Denominator (or among how many)"), validators=[Optional()])
    file = files_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="complete", **kwargs)


class CommentForm(Form):
    text = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="comment", **kwargs)


class EvaluationForm(Form):
    outcome = RadioField(_l("Evaluation"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=5000)],
                           description=_l("Needed for anything but done on time."))
    close = BooleanField(_l("This is the final evaluation: close the item"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="evaluate", **kwargs)
        self.outcome.choices = enum_choices(Outcome)


class ConfirmForm(Form):
    due_date = DateField(_l("Due date"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="confirm", **kwargs)


class DismissForm(Form):
    reason = TextAreaField(_l("Reason for dismissing"), validators=[DataRequired(), Length(max=5000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="dismiss", **kwargs)
