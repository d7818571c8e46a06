"""Forms of the officers' certificate pages (all POST forms carry a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError
from wtforms.widgets import HiddenInput

from lms.certification.models import OFFICER_REVOCATION_REASONS, RevocationReason
from lms.web.fields import IntegerField

MAX_REASON = 1000
CONFIRM = "yes"  # the ``confirm`` value of a confirmation page's form


class ActionForm(FlaskForm):
    """A button with nothing to fill in (renew): only the CSRF token."""


class ConfirmForm(FlaskForm):
    """An action that acts only once confirmed: without ``confirm`` the page says what
    would happen and asks again (issue all)."""

    confirm = HiddenField()

    @property
    def confirmed(self) -> bool:
        return self.confirm.data == CONFIRM


class IssueForm(ConfirmForm):
    user_id = IntegerField(validators=[InputRequired()], widget=HiddenInput())


class RevokeForm(ConfirmForm):
    # The service explains a missing or unknown reason and a missing note, so neither
    # field has a validator of its own beyond the note's length.
    reason = SelectField(_l("Reason for revoking"), validate_choice=False,
                         render_kw={"required": True},
                         description=_l("Shown on the public verification page, in the "
                                        "reader's language."))
    note = TextAreaField(_l("Note (optional)"), validators=[Length(max=MAX_REASON)],
                         description=_l("Shown on the public verification page as written. "
                                        "Required when the reason is \"Other reason\"."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Built per form: the titles follow the language of the request.
        self.reason.choices = [("", _l("Choose a reason"))] + [
            (reason.value, reason.title) for reason in OFFICER_REVOCATION_REASONS]

    # The service checks these again when revoking; the form checks them first so that
    # the confirmation page never asks about a revocation the service would refuse.
    def validate_reason(self, field) -> None:
        if field.data not in {reason.value for reason in OFFICER_REVOCATION_REASONS}:
            raise ValidationError(_l("Choose the reason for revoking this certificate."))

    def validate_note(self, field) -> None:
        if self.reason.data == RevocationReason.OTHER and not (field.data or "").strip():
            raise ValidationError(_l(
                "Explain the reason for revoking this certificate in the note."))

    @property
    def reason_title(self) -> str:
        return RevocationReason(self.reason.data).title


class CorrectNameForm(FlaskForm):
    full_name = StringField(_l("Corrected full name"), validators=[Length(max=200)],
                            description=_l("A new certificate with a new ID replaces this "
                                           "one; the old ID then shows as superseded."))


class EndorseForm(FlaskForm):
    """The program owner's endorsement of a track; the service checks the comment."""

    comment = TextAreaField(_l("Endorsement comment"), render_kw={"required": True},
                            description=_l("Why the program owner endorses this "
                                           "certification. Shown on the public "
                                           "verification page of its certificates."))
