import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from app.extensions import db
from app.forms import Form
from app.models import DocumentKind, IssuingBody, UnitKind
from app.services.documents import TEXT_FIELDS


class DocumentForm(Form):
    """The parts of a document its writer fills in; which ones show depends on the kind. The service
    checks them (app.services.documents.clean_texts); the form only carries them."""

    date = DateField(_l("Document date"), validators=[Optional()])
    place = StringField(_l("Place of the inspection"), validators=[Optional(), Length(max=255)])
    header_superior = StringField(_l("Governing body (header, first line)"), validators=[Optional(), Length(max=255)])
    header_issuer = StringField(_l("Issuing body (header, bold line)"), validators=[Optional(), Length(max=255)])
    summary = TextAreaField(_l("Summary line"), validators=[Optional()], render_kw={"rows": 2},
                            description=_l("Printed in bold under the document's name."))
    start_time = StringField(_l("Began at"), validators=[Optional(), Length(max=60)],
                             render_kw={"placeholder": "08 giờ 00"})
    end_time = StringField(_l("Ended at"), validators=[Optional(), Length(max=60)],
                           render_kw={"placeholder": "11 giờ 30"})
    unit_participants = TextAreaField(_l("People of the inspected unit"), render_kw={"rows": 3},
                                      description=_l("One a line: name — title."))
    assessment = TextAreaField(_l("General assessment"), render_kw={"rows": 5},
                               description=_l("Strengths and overall remarks; the scores and findings are added "
                                              "from the inspection."))
    requests = TextAreaField(_l("Requests"), render_kw={"rows": 3},
                             description=_l("Requests made to the unit besides the findings' recommendations."))
    unit_opinion = TextAreaField(_l("The unit's opinion"), render_kw={"rows": 3},
                                 description=_l("Agrees, explains or disagrees, with reasons."))
    copies = StringField(_l("Copies"), render_kw={"inputmode": "numeric", "size": 3})
    copies_team = StringField(_l("Copies the team keeps"), render_kw={"inputmode": "numeric", "size": 3})
    unit_signer_title = StringField(_l("Unit's signer: title"), validators=[Optional(), Length(max=255)])
    unit_signer_name = StringField(_l("Unit's signer: name"), validators=[Optional(), Length(max=255)])
    include_photos = BooleanField(_l("Appendix of photo evidence"))
    legal_basis = TextAreaField(_l("Legal basis"), render_kw={"rows": 3},
                                description=_l("One a line, each starting with Căn cứ and ending with ;."))
    purpose = TextAreaField(_l("I. Purpose and requirements"), render_kw={"rows": 6})
    organisation = TextAreaField(_l("Carrying out the plan"), render_kw={"rows": 6},
                                 description=_l("Who does what: the secretariat, the units inspected, reporting."))
    achievements = TextAreaField(_l("Results achieved"), render_kw={"rows": 6})
    shortcomings = TextAreaField(_l("Shortcomings and limits"), render_kw={"rows": 5})
    causes = TextAreaField(_l("Causes"), render_kw={"rows": 4})
    proposals = TextAreaField(_l("Proposals and recommendations"), render_kw={"rows": 4})
    recipients = TextAreaField(_l("Recipients (Nơi nhận)"), render_kw={"rows": 4},
                               description=_l("One a line, ending with ; and the last one with ."))
    signer_authority = StringField(_l("Signing on behalf of"), validators=[Optional(), Length(max=255)],
                                   description=_l("e.g. TM. BAN CHỈ ĐẠO or KT. TRƯỞNG BAN; empty when the head signs."))
    signer_title = StringField(_l("Signer's title"), validators=[Optional(), Length(max=255)])
    signer_name = StringField(_l("Signer's name"), validators=[Optional(), Length(max=255)])
    row_version = HiddenField()

    def __init__(self, *args, kind: DocumentKind, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.text_fields = TEXT_FIELDS[kind]
        for name in set().union(*TEXT_FIELDS.values()) - set(self.text_fields):
            delattr(self, name)

    def raw_texts(self) -> dict:
        """The posted texts as the service expects them (numbers as typed: it checks them)."""
        return {name: getattr(self, name).data for name in self.text_fields}


class SignedScanForm(Form):
    file = FileField(_l("Scan of the signed document"), description=_l("A PDF or a photo of every signed page."),
                     render_kw={"accept": "application/pdf,image/*"})


class PlanStartForm(Form):
    """Which body issues the year's plan (its number series and its header)."""

    issuing_body = SelectField(_l("Issuing body"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bodies = db.session.execute(sa.select(IssuingBody.id, IssuingBody.name).where(IssuingBody.active)
                                    .order_by(IssuingBody.name))
        self.issuing_body.choices = [SelectChoice(body_id, name) for body_id, name in bodies]


class ReportStartForm(PlanStartForm):
    """The period and the units of a new periodic report, and the body that issues it."""

    period = SelectField(_l("Period"), choices=[SelectChoice(value, label) for value, label in (
        ("q1", _l("First quarter")), ("q2", _l("Second quarter")), ("q3", _l("Third quarter")),
        ("q4", _l("Fourth quarter")), ("h1", _l("First half-year")), ("h2", _l("Second half-year")),
        ("year", _l("Whole year")), ("dates", _l("Between two dates")))], default="h1")
    year = IntegerField(_l("Year"), validators=[Optional()])
    start = DateField(_l("From"), validators=[Optional()], description=_l("Only for a period between two dates."))
    end = DateField(_l("To"), validators=[Optional()])
    scope = SelectField(_l("Units"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope.choices = [SelectChoice("", _l("All units"))] + [
            SelectChoice(kind.value, kind.label) for kind in UnitKind if kind != UnitKind.PROVINCE]
