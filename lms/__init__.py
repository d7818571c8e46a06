"""The LMS application factory."""

from __future__ import annotations

import os

from flask import Flask

from lms import config as lms_config
from lms.config import ROOT


def create_app(**overrides: object) -> Flask:
    """Build the app. No side effects beyond reading configuration."""
    settings = lms_config.load(**overrides)
    # The instance folder holds the default SQLite file and the outbox.
    os.makedirs(str(settings["INSTANCE_PATH"]), exist_ok=True)
    app = Flask(
        __name__,
        instance_path=str(settings["INSTANCE_PATH"]),
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    app.config.update(settings)
    register_proxies(app)
    register_extensions(app)
    register_reactions()
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_proxies(app: Flask) -> None:
    """Refuse other hosts; believe the client address and scheme that
    LMS_TRUSTED_PROXIES proxies forward.

    X-Forwarded-Host is never believed: the proxy passes the visitor's Host on
    (``proxy_set_header Host $host``), so TRUSTED_HOSTS keeps checking the real one.
    """
    from lms.web.urls import refuse_other_hosts

    refuse_other_hosts(app)
    hops = int(app.config["LMS_TRUSTED_PROXIES"])
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0,
                                x_port=0, x_prefix=0)


def register_extensions(app: Flask) -> None:
    from lms import models  # noqa: F401 - every table registered before use
    from lms.extensions import babel, csrf, db, limiter, login_manager, migrate
    from lms.i18n import select_locale
    from lms.kernel import jobs
    from lms.web import database

    db.init_app(app)
    database.configure_engine(app)
    database.init_app(app)
    jobs.init_app(app)  # the job queue; committed jobs are enqueued after the response
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    from lms.accounts import auth

    auth.init_login_manager(login_manager)


def register_reactions() -> None:
    """Higher floors subscribe to the events of the lower ones (lms.kernel.events)."""
    from lms.assessments import completion, coverage
    from lms.certification import reactions
    from lms.cohorts import reactions as cohort_reactions
    from lms.notifications import reactions as notification_reactions
    from lms.reports import reactions as report_reactions

    completion.connect()
    coverage.connect()
    reactions.connect()
    cohort_reactions.connect()
    notification_reactions.connect()
    report_reactions.connect()


def register_blueprints(app: Flask) -> None:
    from lms.accounts.views import bp as accounts_bp
    from lms.admin.views import bp as admin_bp
    from lms.announcements import templating as announcement_templating
    from lms.announcements import views as announcement_views
    from lms.api import views as api_views
    from lms.assessments import manage_views
    from lms.assessments.agenda import views as agenda_views
    from lms.assessments.assignments import views as assignment_views
    from lms.assessments.attendance import views as attendance_views
    from lms.assessments.gradebook import views as gradebook_views
    from lms.assessments.observations import views as observation_views
    from lms.assessments.quizzes import manage_views as quiz_manage_views
    from lms.assessments.quizzes import views as quiz_views
    from lms.catalog.manage_views import bp as catalog_manage_bp
    from lms.certification import did_views, verify_views
    from lms.certification import views as certificate_views
    from lms.certification.tracks import views as track_views
    from lms.cohorts.catalogue_views import bp as catalog_bp
    from lms.cohorts.manage_views import bp as cohorts_manage_bp
    from lms.cohorts.nomination_views import bp as nominations_bp
    from lms.cohorts.people_views import bp as people_bp
    from lms.cohorts.schedule_views import bp as schedule_bp
    from lms.cohorts.views import bp as cohorts_bp
    from lms.competencies import views as competency_views
    from lms.evaluations import templating as evaluation_templating
    from lms.evaluations import views as evaluation_views
    from lms.home.views import bp as web_bp
    from lms.jobs.views import bp as jobs_bp
    from lms.notifications.views import bp as notifications_bp
    from lms.reports.views import bp as reports_bp
    from lms.web import input as web_input
    from lms.web import layout

    web_input.init_app(app)  # bounded <int:> converter: before any route is added
    for blueprint in (web_bp, accounts_bp, catalog_bp, catalog_manage_bp, cohorts_bp,
                      cohorts_manage_bp, people_bp, schedule_bp, nominations_bp):
        app.register_blueprint(blueprint)
    for module in (quiz_views, quiz_manage_views, assignment_views, observation_views,
                   attendance_views, agenda_views, gradebook_views, manage_views,
                   competency_views, track_views, certificate_views, verify_views, api_views,
                   did_views):
        app.register_blueprint(module.bp)
    app.register_blueprint(evaluation_views.bp)
    evaluation_templating.init_app(app)
    app.register_blueprint(announcement_views.bp)
    announcement_templating.init_app(app)  # the cohort and home pages' newest three
    app.register_blueprint(admin_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(notifications_bp)  # also the header's unread count
    from lms.certification import pki_views

    app.register_blueprint(pki_views.bp)  # the CA that signs certificate PDFs
    layout.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    from lms.web import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    from lms import cli
    from lms.reports import commands as report_commands

    cli.init_app(app)
    report_commands.init_app(app)
