"""The ``lms`` command: Flask's own commands (run, shell, db ...) plus ours."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from lms.extensions import db
from lms.i18n import LANGUAGES


def _create_app():
    from lms import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False,
             load_dotenv=False, set_debug_flag=False)
def main() -> None:
    """Manage the OAS training and certification system."""


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(demo)
    from lms.certification import commands, reminders

    app.cli.add_command(commands.keys)
    app.cli.add_command(commands.certificates)
    app.cli.add_command(commands.verify_pdf)
    app.cli.add_command(reminders.remind_expiring)
    from lms.evaluations import followup

    app.cli.add_command(followup.evaluation_commands)
    from lms.kernel import mail

    app.cli.add_command(mail.mail_commands)
    from lms.kernel import jobs

    app.cli.add_command(jobs.worker_command)


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True, help="Full name as printed on certificates.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", type=click.Choice(["trainee", "instructor", "coordinator", "officer",
                                           "observer", "focal_point", "admin"]),
              default="trainee", show_default=True)
@click.option("--program", "program_code",
              help="Program code, for --role coordinator, observer or focal_point.")
@click.option("--cohort", "cohort_code", help="Cohort code, for --role instructor.")
@click.option("--body", "body_name", help="Certifying body name, for --role officer.")
@click.option("--locale", default="en", type=click.Choice(list(LANGUAGES)))
@click.option("--country", default=None,
              help="ISO 3166 alpha-2 code (for --role focal_point: the country nominated for).")
@with_appcontext
def create_user(email, full_name, password, role, program_code, cohort_code, body_name,
                locale, country) -> None:
    """Create a user (or grant a role to an existing one)."""
    from lms.cohorts.roles import create_user_with_role
    from lms.errors import DomainError, clean_name

    try:
        if body_name:  # a new certifying body's name is printed on certificates
            body_name = clean_name(body_name, "body_name", 200)
        user = create_user_with_role(
            email=email, full_name=full_name, password=password, role=role,
            program_code=program_code, cohort_code=cohort_code, body_name=body_name,
            locale=locale, country=country)
    except DomainError as exc:  # AccountError included
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"{user.email}: {role}")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when courses already exist.")
@click.option("--history/--no-history", default=True,
              help="Also add three years of made-up program history for the reports.")
@with_appcontext
def demo(if_empty: bool, history: bool) -> None:
    """Load the demonstration data set (safe to run again)."""
    from lms import demo as demo_data

    if if_empty and demo_data.has_courses():
        click.echo("Courses exist already; demo data not loaded again.")
        logins = demo_data.existing_logins()
        if not logins:
            return
    else:
        logins = demo_data.load()
        db.session.commit()
        if history:
            from lms import demo_history

            summary = demo_history.load()
            db.session.commit()
            if summary.trainees:
                click.echo(f"History: {summary.trainees} trainees, {summary.cohorts} cohorts, "
                           f"{summary.enrolments} enrolments, {summary.certificates} "
                           "certificates over three years.")
    click.echo("Demo logins (password for all: "
               f"{demo_data.DEMO_PASSWORD}):")
    for role, email in logins:
        click.echo(f"  {role:<28} {email}")
    from lms import demo_certificates

    certificates = demo_certificates.listed()
    if certificates:
        click.echo("Demo certificates (verify them at /verify):")
        for label, code in certificates:
            click.echo(f"  {label:<28} {code}")
