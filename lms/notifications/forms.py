"""The notification settings form: one choice of channel per optional kind."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField

from lms.notifications.models import (
    CHANNEL_TITLES,
    KIND_TITLES,
    Channel,
    NotificationKind,
)


class PreferencesForm(FlaskForm):
    """Fields are added per kind by ``preferences_form``; mandatory kinds have none."""


def preferences_form(current: dict[NotificationKind, Channel]) -> PreferencesForm:
    """The form, each optional kind's field set to the person's current channel."""

    class Form(PreferencesForm):
        pass

    for kind in NotificationKind:
        if kind.mandatory:
            continue
        setattr(Form, kind.value, RadioField(
            KIND_TITLES[kind], choices=[(c.value, CHANNEL_TITLES[c]) for c in Channel],
            default=current[kind].value))
    return Form()


def optional_fields(form: PreferencesForm) -> list:
    """The form's kind fields, in the order of ``NotificationKind``."""
    return [form[kind.value] for kind in NotificationKind if kind.value in form]
