"""Nomination decisions and mailed announcements reach people through notifications."""

from __future__ import annotations

from lms import demo
from lms.accounts.models import User
from lms.cohorts import nomination_services
from lms.cohorts.models import Cohort
from lms.cohorts.nominations import Nomination
from lms.extensions import db
from lms.kernel.mail import OutboxMessage
from lms.notifications.models import Notification


def _user(email: str) -> User:
    return db.session.scalars(db.select(User).where(User.email == email)).one()


def _notices(user: User, kind: str) -> list[Notification]:
    return list(db.session.scalars(db.select(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind)))


def test_a_decision_tells_the_nominee_and_the_focal_point_in_their_languages(database):
    demo.load()
    cohort = db.session.scalars(db.select(Cohort).where(
        Cohort.code == demo.BOGOTA_NOMINATION_COHORT)).one()
    ana = _user("ana.conceicao@example.org")
    nomination = db.session.scalars(db.select(Nomination).where(
        Nomination.cohort_id == cohort.id, Nomination.user_id == ana.id)).one()
    before = db.session.scalar(db.select(db.func.count(OutboxMessage.id)))

    nomination_services.decide(_user("coordinator.picap@example.org"), nomination, "declined",
                               "Sem vagas restantes para o Brasil.")
    db.session.flush()

    [to_ana] = _notices(ana, "nomination_decided")
    assert "Recusada" in to_ana.subject  # Portuguese, her language
    assert "Sem vagas restantes" in to_ana.body
    # The focal point already heard of João's acceptance (the demo); now of Ana too.
    told = [n.subject for n in _notices(_user("focal.br@example.org"), "nomination_decided")]
    assert len(told) == 2 and any("Ana Beatriz Conceição" in subject for subject in told)
    # One mail each (written to the outbox, sent after the commit).
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) - before == 2


def test_the_accepted_nominee_is_told_once(database):
    demo.load()
    joao = _user("joao.goncalves@example.org")
    assert len(_notices(joao, "nomination_decided")) == 1
    assert _notices(joao, "enrolment_accepted") == []


def test_a_mailed_announcement_reaches_each_reader_in_their_language(database):
    demo.load()
    # The demo's announcement to the Bogotá cohort was posted with mail, in Spanish with
    # English and Portuguese versions.
    joao = _user("joao.goncalves@example.org")
    [notice] = _notices(joao, "announcement")
    assert notice.subject.endswith("Chegada a Bogotá e o primeiro dia")
    sam = _user("sam.rampersad@example.org")
    [notice] = _notices(sam, "announcement")
    assert notice.subject.endswith("Arriving in Bogotá and the first day")
    # The program-wide one was not mailed: nobody is notified of it.
    assert not any("Bogotá intake" in n.subject for n in _notices(sam, "announcement"))
