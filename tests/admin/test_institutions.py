"""Institutions: list, create, edit, merge duplicates, and the officers of certifying bodies."""

from __future__ import annotations

from lms.accounts.models import BodyOfficer, Institution, User
from lms.audit.models import AuditLog
from lms.certification.tracks.models import Track
from lms.cohorts.models import Cohort
from tests.certification.factories import eligible_track, issue_certificate, make_body
from tests.conftest import page_text, submit
from tests.factories import make_cohort, make_course, make_institution, make_officer, make_user


def _count(database, model) -> int:
    return database.session.scalar(database.select(database.func.count()).select_from(model))


def test_the_list_filters_by_kind_and_country(admin_client, database):
    make_institution("Policía Nacional de Colombia", kind="police", country="CO")
    make_institution("Universidad de Chile", kind="university", country="CL")
    make_institution("Ministerio de Seguridad", kind="ministry", country="CO")

    police = page_text(admin_client.get("/admin/institutions?kind=police"))
    colombia = page_text(admin_client.get("/admin/institutions?country=CO"))

    assert "Policía Nacional de Colombia" in police
    assert "Universidad de Chile" not in police and "Ministerio de Seguridad" not in police
    assert "Ministerio de Seguridad" in colombia and "Ministry" in colombia
    assert "Universidad de Chile" not in colombia


def test_the_list_takes_the_same_queries_for_3_and_40_institutions(admin_client, database,
                                                                   count_queries):
    def add(count: int) -> None:
        for _ in range(count):
            make_user(institution_id=make_institution().id)
        database.session.commit()

    add(3)
    with count_queries("admin institutions list", "3 institutions") as few:
        assert admin_client.get("/admin/institutions").status_code == 200
    add(37)
    with count_queries("admin institutions list", "40 institutions, page of 25") as many:
        assert admin_client.get("/admin/institutions").status_code == 200
    assert many.count == few.count


def test_an_administrator_creates_an_institution_of_every_kind_the_issue_names(
        admin_client, admin, database):
    for name, kind in (("Policía Nacional del Perú", "police"),
                       ("Universidad de los Andes", "university"),
                       ("Fundación Paz Ciudadana", "ngo"),
                       ("Ministerio del Interior", "ministry"),
                       ("Consejo de certificación", "certifying_body")):
        response = submit(admin_client, "/admin/institutions/new",
                          {"name": name, "kind": kind, "country": "PE"},
                          follow_redirects=True)
        assert f"Institution {name} created." in page_text(response)
        institution = database.session.scalar(database.select(Institution).where(
            Institution.name == name))
        assert (institution.kind, institution.country) == (kind, "PE")
    entry = database.session.scalar(database.select(AuditLog).where(
        AuditLog.action == "institution.create").order_by(AuditLog.id.desc()))
    assert entry.actor_id == admin.id
    assert entry.after == {"name": "Consejo de certificación", "kind": "certifying_body",
                           "country": "PE"}


def test_bad_institutions_are_refused_and_nothing_is_written(admin_client, database):
    make_institution("Policía Nacional", country="CO")
    before = (_count(database, Institution), _count(database, AuditLog))
    cases = [
        ({"name": "", "kind": "police", "country": "CO"}, "Enter the institution's name."),
        ({"name": "policía  nacional", "kind": "police", "country": "CO"},
         "An institution with this name already exists."),
        ({"name": "<b>Bold</b>", "kind": "police", "country": "CO"},
         "A name cannot contain the characters"),
        ({"name": "1234", "kind": "police", "country": "CO"}, "A name must contain letters."),
        ({"name": "Nueva", "kind": "castle", "country": "CO"}, "Not a valid choice"),
        ({"name": "Nueva", "kind": "police", "country": "ZZ"}, "Not a valid choice"),
        ({"name": "Nueva", "kind": "police", "country": ""}, "Choose a country from the list."),
    ]
    for data, message in cases:
        response = submit(admin_client, "/admin/institutions/new", data)
        assert response.status_code == 422, data
        assert message in page_text(response), data
    assert (_count(database, Institution), _count(database, AuditLog)) == before


def test_an_administrator_edits_an_institution(admin_client, database):
    institution = make_institution("Policia  Nacional", kind="training_provider")
    url = f"/admin/institutions/{institution.id}/edit"

    response = submit(admin_client, url, {"name": " Policía   Nacional ", "kind": "police",
                                          "country": "CO"}, follow_redirects=True)

    assert "Institution saved." in page_text(response)
    database.session.expire_all()
    institution = database.session.get(Institution, institution.id)
    assert (institution.name, institution.kind, institution.country) == (
        "Policía Nacional", "police", "CO")
    entry = database.session.scalar(database.select(AuditLog).where(
        AuditLog.action == "institution.update"))
    assert entry.before == {"name": "Policia  Nacional", "kind": "training_provider",
                            "country": "MX"}


def test_a_body_with_tracks_stays_a_certifying_body(admin_client, database):
    body = make_body("Consejo")
    eligible_track(body=body)
    url = f"/admin/institutions/{body.id}/edit"
    response = submit(admin_client, url, {"name": "Consejo", "kind": "university",
                                          "country": "MX"})
    assert response.status_code == 422
    assert "it must stay a certifying body" in page_text(response)
    database.session.expire_all()
    assert database.session.get(Institution, body.id).kind == "certifying_body"


def test_merging_shows_what_moves_then_moves_everything_and_deletes_the_duplicate(
        admin_client, admin, database):
    keep = make_body("Consejo Nacional de Certificación")
    duplicate = make_body("Consejo Nac. de Certificacion")
    for _ in range(3):
        make_user(institution_id=duplicate.id)
    host = make_cohort(make_course(), host=duplicate)
    track, _course = eligible_track(body=duplicate)
    both = make_officer(keep)
    database.session.add(BodyOfficer(institution_id=duplicate.id, user_id=both.id))
    only = make_officer(duplicate)
    database.session.commit()
    duplicate_id = duplicate.id
    url = f"/admin/institutions/{duplicate_id}/merge"

    preview = submit(admin_client, url, {"target_id": str(keep.id)})

    text = page_text(preview)
    assert preview.status_code == 200
    assert "3 users move" in text and "1 hosted cohort moves" in text
    assert "1 track moves" in text and "2 officers move" in text
    assert database.session.get(Institution, duplicate.id) is not None  # nothing yet

    done = submit(admin_client, url, {"target_id": str(keep.id), "confirm": "yes"},
                  form_url=url, follow_redirects=True)

    assert "Consejo Nac. de Certificacion was merged into Consejo Nacional de " \
           "Certificación." in page_text(done)
    database.session.expire_all()
    assert database.session.get(Institution, duplicate_id) is None
    assert database.session.scalar(database.select(database.func.count()).where(
        User.institution_id == keep.id)) == 3
    assert database.session.get(Cohort, host.id).host_institution_id == keep.id
    assert database.session.get(Track, track.id).certifying_body_id == keep.id
    assert set(database.session.scalars(database.select(BodyOfficer.user_id).where(
        BodyOfficer.institution_id == keep.id))) == {both.id, only.id}
    entry = database.session.scalar(database.select(AuditLog).where(
        AuditLog.action == "institution.merge"))
    assert (entry.actor_id, entry.object_id) == (admin.id, keep.id)
    assert entry.before["merged"]["name"] == "Consejo Nac. de Certificacion"
    assert entry.after == {"users": 3, "cohorts": 1, "tracks": 1, "officers": 2}


def test_merges_that_would_break_records_are_refused(admin_client, database):
    university = make_institution("Universidad", kind="university")
    body = make_body("Consejo con pistas")
    eligible_track(body=body)
    issuer = issue_certificate().issuer
    other_body = make_body("Otro consejo")
    database.session.commit()
    before = (_count(database, Institution), _count(database, AuditLog))

    into_non_body = submit(admin_client, f"/admin/institutions/{body.id}/merge",
                           {"target_id": str(university.id), "confirm": "yes"})
    issued = submit(admin_client, f"/admin/institutions/{issuer.id}/merge",
                    {"target_id": str(other_body.id), "confirm": "yes"})
    itself = submit(admin_client, f"/admin/institutions/{body.id}/merge",
                    {"target_id": str(body.id)})
    blank = submit(admin_client, f"/admin/institutions/{body.id}/merge", {"target_id": ""})

    assert into_non_body.status_code == 422
    assert "merge it into a certifying body" in page_text(into_non_body)
    assert issued.status_code == 422
    assert "has issued certificates" in page_text(issued)
    assert itself.status_code == 422  # not among the choices
    assert blank.status_code == 422
    assert "Choose the institution to keep." in page_text(blank)
    assert (_count(database, Institution), _count(database, AuditLog)) == before


def test_an_administrator_adds_and_removes_officers_of_a_body(admin_client, database):
    body = make_body("Consejo")
    user = make_user(email="oficial@example.org", full_name="Olga Oficial")
    url = f"/admin/institutions/{body.id}"

    added = submit(admin_client, f"{url}/officers", {"email": "Oficial@Example.org"},
                   form_url=url, follow_redirects=True)

    assert "Olga Oficial is now an officer of Consejo." in page_text(added)
    assert database.session.get(BodyOfficer, (body.id, user.id)) is not None

    removed = submit(admin_client, f"{url}/officers/{user.id}/remove", {}, form_url=url,
                     follow_redirects=True)

    assert "Olga Oficial is no longer an officer of Consejo." in page_text(removed)
    assert database.session.get(BodyOfficer, (body.id, user.id)) is None


def test_officers_need_an_existing_account_and_a_body(admin_client, database):
    body = make_body("Consejo")
    school = make_institution("Escuela")
    make_user(email="someone@example.org")
    before = (_count(database, BodyOfficer), _count(database, AuditLog))

    unknown = submit(admin_client, f"/admin/institutions/{body.id}/officers",
                     {"email": "nobody@example.org"}, form_url=f"/admin/institutions/{body.id}")
    invalid = submit(admin_client, f"/admin/institutions/{body.id}/officers",
                     {"email": "not an address"}, form_url=f"/admin/institutions/{body.id}")
    not_body = submit(admin_client, f"/admin/institutions/{school.id}/officers",
                      {"email": "someone@example.org"},
                      form_url=f"/admin/institutions/{school.id}")

    assert unknown.status_code == 422
    assert "There is no account with this email address." in page_text(unknown)
    assert invalid.status_code == 422
    assert "Enter a valid email address" in page_text(invalid)
    assert not_body.status_code == 422
    assert "Escuela is not a certifying body." in page_text(not_body)
    assert (_count(database, BodyOfficer), _count(database, AuditLog)) == before
