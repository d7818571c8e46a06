"""``lms users ...``: account chores for operators (the accounts blueprint's commands)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from lms.accounts import services
from lms.extensions import db


@click.command("end-sessions")
@click.argument("email")
@with_appcontext
def end_sessions(email: str) -> None:
    """Sign EMAIL's account out of every browser (remember-me cookies included)."""
    user = services.find_by_email(email)
    if user is None:
        raise click.ClickException(f"There is no account with the email {email}.")
    ended = services.end_sessions(user)
    db.session.commit()
    click.echo(f"{user.email}: {ended} session(s) ended.")
