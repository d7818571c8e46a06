"""Importing trainees from a Moodle "upload users" CSV file."""

from __future__ import annotations

import pytest

from lms.accounts.models import Institution, User
from lms.audit.models import AuditLog
from lms.cohorts.models import Enrolment, EnrolmentStatus
from lms.kernel.mail import read_outbox
from tests.cohorts.conftest import count, counts, upload
from tests.conftest import page_text
from tests.conftest import sign_in_quickly as login
from tests.factories import (
    enrol,
    make_cohort,
    make_coordinator,
    make_course,
    make_institution,
    make_program,
    make_user,
)

# As Moodle's "upload users" expects it, with columns we ignore (password, city ...).
MOODLE_FILE = """\
username,password,firstname,lastname,email,city,country,lang,institution,department,cohort1,cohort2
mgarcia,Secret1!,María José,García López,MGarcia@Example.org,Bogotá,co,es_co,\
POLICÍA NACIONAL DE COLOMBIA,DIJIN,PICAP-HR-1,
jsilva,,João,Silva,joao.silva@example.org,Brasília,BR,pt_br,Polícia Federal,,PICAP-HR-1,PICAP-DOC-1
kept,,Other,Name,existing@example.org,,,,,,PICAP-HR-1,
"""


@pytest.fixture
def program(database):
    return make_program(code="PICAP")


@pytest.fixture
def cohorts(program):
    course = make_course(program, title="Human rights and use of force",
                         translations={"pt": ("Direitos humanos e uso da força", "")})
    return {"hr": make_cohort(course, code="PICAP-HR-1", language="es", capacity=10),
            "doc": make_cohort(make_course(program), code="PICAP-DOC-1", language="en")}


@pytest.fixture
def coordinator(client, program):
    user = make_coordinator(program)
    login(client, user)
    return user


def user(database, email: str) -> User | None:
    database.session.expire_all()
    return database.session.scalar(database.select(User).where(User.email == email))


def enrolments(database) -> set[tuple[str, str]]:
    from lms.cohorts.models import Cohort

    rows = database.session.execute(
        database.select(User.email, Cohort.code).join(Enrolment.user).join(Enrolment.cohort))
    return {tuple(row) for row in rows}


def problems(response) -> list[str]:
    """The lines of the problem list, as the coordinator reads them."""
    import re

    html = response.get_data(as_text=True)
    block = re.search(r'<ul class="error-list errors" id="import-problems">(.*?)</ul>', html,
                      re.S)
    assert block, page_text(response)[:1500]
    return [re.sub(r"\s+", " ", item).strip().replace("&#39;", "'")
            for item in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)]


def test_a_moodle_file_creates_accounts_and_enrolments(client, database, cohorts, coordinator):
    existing = make_user(email="existing@example.org", full_name="Kept Name", locale="fr")
    make_institution("Policía Nacional de Colombia", kind="police", country="CO")

    response = upload(client, MOODLE_FILE)

    assert response.status_code == 302, page_text(response)[:2000]
    assert "Accounts created: 2. Enrolments added: 4. Already enrolled: 0." in page_text(
        client.get(response.headers["Location"]))
    maria = user(database, "mgarcia@example.org")
    assert (maria.full_name, maria.country, maria.locale) == ("María José García López",
                                                              "CO", "es")
    assert maria.institution.name == "Policía Nacional de Colombia"  # found, not duplicated
    assert not maria.check_password("Secret1!")  # Moodle's password column is ignored
    joao = user(database, "joao.silva@example.org")
    assert (joao.locale, joao.institution.name, joao.institution.country) == (
        "pt", "Polícia Federal", "BR")
    assert count(database, Institution) == 2
    assert user(database, "existing@example.org").full_name == "Kept Name"
    assert enrolments(database) == {
        ("mgarcia@example.org", "PICAP-HR-1"), ("joao.silva@example.org", "PICAP-HR-1"),
        ("joao.silva@example.org", "PICAP-DOC-1"), ("existing@example.org", "PICAP-HR-1")}
    actions = database.session.scalars(database.select(AuditLog.action)).all()
    assert actions.count("user.imported") == 2 and actions.count("enrolment.imported") == 4

    mails = {mail["to"]: mail for mail in read_outbox()}
    assert set(mails) == {"mgarcia@example.org", "joao.silva@example.org"}
    assert "/reset" in mails["joao.silva@example.org"]["body"]
    # Written in the new account's language: the course title comes in Portuguese.
    assert "Direitos humanos e uso da força" in mails["joao.silva@example.org"]["body"]
    assert existing.email not in mails


def test_the_same_file_twice_makes_no_duplicates(client, database, cohorts, coordinator):
    make_user(email="existing@example.org")
    upload(client, MOODLE_FILE)
    before = (count(database, User), count(database, Enrolment), count(database, Institution))

    response = upload(client, MOODLE_FILE)

    assert response.status_code == 302
    assert (count(database, User), count(database, Enrolment),
            count(database, Institution)) == before
    assert "Accounts created: 0. Enrolments added: 0. Already enrolled: 4." in page_text(
        client.get(response.headers["Location"]))


def test_one_bad_line_imports_nothing_and_is_named(client, database, cohorts, coordinator):
    text = ("email,firstname,lastname,country,cohort1\n"
            "ana@example.org,Ana,Pérez,MX,PICAP-HR-1\n"
            "joe@,Joe,Bloggs,US,PICAP-HR-1\n"
            "bea@example.org,Bea,Lima,BR,PICAP-HR-1\n")
    before = counts(database)

    response = upload(client, text)

    assert response.status_code == 422
    assert problems(response) == ["Line 3: 'joe@' is not a valid email address."]
    assert counts(database) == before
    assert read_outbox() == []


def test_every_problem_is_listed_with_its_line(client, database, cohorts, coordinator):
    cohorts["doc"].capacity = 1
    enrol(cohorts["doc"])
    database.session.flush()
    text = ("username;email;firstname;lastname;country;lang;cohort1\n"
            "a;good@example.org;Good;Person;MX;es;PICAP-HR-1\n"
            "b;not-an-email;Bad;Email;MX;es;PICAP-HR-1\n"
            "c;c@example.org;Unknown;Cohort;MX;es;NOPE-1\n"
            "d;d@example.org;Unknown;Language;MX;klingon;PICAP-HR-1\n"
            "e;e@example.org;Bad;Country;XX;es;PICAP-HR-1\n"
            "f;f@example.org;Over;Capacity;MX;en;PICAP-DOC-1\n"
            "g;g@example.org;;Nofirst;MX;;PICAP-HR-1\n"
            "h;GOOD@example.org;Same;Again;MX;;PICAP-HR-1\n"
            "i;i@example.org;No;Country;;;PICAP-HR-1\n")
    before = counts(database)

    response = upload(client, text)

    assert response.status_code == 422
    assert problems(response) == [
        "Line 3: 'not-an-email' is not a valid email address.",
        "Line 4: there is no cohort with the code 'NOPE-1'.",
        "Line 5: 'klingon' is not a supported language (en, es, fr, pt).",
        "Line 6: 'XX' is not a country code (two letters, such as MX or BR).",
        "Line 7: the cohort 'PICAP-DOC-1' would be over capacity (capacity: 1, taken: 1, "
        "added by this file: 1).",
        "Line 8: both firstname and lastname are required.",
        "Line 9: good@example.org is already on line 2.",
        "Line 10: the country is required for a new account.",
    ]
    assert counts(database) == before


def test_a_file_without_a_required_column_is_refused(client, database, cohorts, coordinator):
    response = upload(client, "username,firstname,lastname,cohort1\nx,Ana,Pérez,PICAP-HR-1\n")
    assert response.status_code == 422
    assert problems(response) == ["Line 1: there is no email column."]


@pytest.mark.parametrize(("content", "filename", "message"), [
    (b"email,firstname\n", "users.xlsx", "Choose a .csv file"),
    (b"PK\x03\x04\x00\x00binary", "users.csv", "This is not a CSV text file"),
    ("email,firstname,lastname\nçà,É,Ü\n".encode("latin-1"), "users.csv",
     "The file is not UTF-8 text"),
    (b"", "users.csv", "The file is empty."),
    (b"email,firstname,lastname\r\n\r\n", "users.csv", "nobody under it"),
])
def test_files_that_are_not_utf8_csv_are_refused(client, database, cohorts, coordinator,
                                                 content, filename, message):
    before = counts(database)
    response = upload(client, content, filename=filename)
    assert response.status_code == 422
    assert message in " ".join(problems(response))
    assert counts(database) == before


def test_files_over_the_size_limit_are_refused(client, app, database, cohorts, coordinator,
                                               monkeypatch):
    monkeypatch.setitem(app.config, "LMS_MAX_UPLOAD_BYTES", 1024)
    big = "email,firstname,lastname,country,cohort1\n" + "".join(
        f"user{i}@example.org,User,Number{i},MX,PICAP-HR-1\n" for i in range(100))
    response = upload(client, big)
    assert response.status_code == 422
    assert "The file is larger than 1 kB" in " ".join(problems(response))
    assert count(database, User) == 1  # the coordinator


def test_a_semicolon_file_with_a_bom_from_excel_works(client, database, cohorts, coordinator):
    text = ("\ufeffEmail;FirstName;LastName;Country;Lang;Cohort1\r\n"
            "rene@example.org;René;Lévesque;ca;fr_CA;PICAP-HR-1\r\n")

    response = upload(client, text)

    assert response.status_code == 302, page_text(response)[:2000]
    rene = user(database, "rene@example.org")
    assert (rene.full_name, rene.country, rene.locale) == ("René Lévesque", "CA", "fr")


def test_a_tab_separated_file_and_the_default_cohort(client, database, cohorts, coordinator):
    text = "email\tfirstname\tlastname\tcountry\nzoe@example.org\tZoé\tMartin\tHT\n"

    response = upload(client, text, default_cohort=cohorts["doc"].id)

    assert response.status_code == 302, page_text(response)[:2000]
    assert enrolments(database) == {("zoe@example.org", "PICAP-DOC-1")}
    # No lang column: the account speaks the cohort's language.
    assert user(database, "zoe@example.org").locale == "en"


def test_a_withdrawn_trainee_in_the_file_is_enrolled_again(client, database, cohorts,
                                                           coordinator):
    trainee = make_user(email="back@example.org")
    enrolment = enrol(cohorts["hr"], trainee, status=EnrolmentStatus.WITHDRAWN)
    response = upload(client, "email,firstname,lastname,cohort1\n"
                              "back@example.org,Back,Again,PICAP-HR-1\n")
    assert response.status_code == 302
    database.session.expire_all()
    assert database.session.get(Enrolment, enrolment.id).status == EnrolmentStatus.ACTIVE
    assert count(database, Enrolment) == 1


def test_a_coordinator_of_another_program_cannot_import_into_this_one(client, other_client,
                                                                      database, cohorts):
    outsider = make_coordinator(make_program(code="PROCCER"))
    trainee = make_user()
    login(client, outsider)
    login(other_client, trainee)
    before = counts(database)

    response = upload(client, "email,firstname,lastname,country,cohort1\n"
                              "ana@example.org,Ana,Pérez,MX,PICAP-HR-1\n")

    assert response.status_code == 422
    assert problems(response) == [
        "Line 2: you may not enrol trainees in the cohort 'PICAP-HR-1'."]
    assert counts(database) == before
    # Nor may they pick it as the default cohort: it is not offered to them.
    assert "PICAP-HR-1" not in client.get("/manage/import").get_data(as_text=True)

    assert other_client.get("/manage/import").status_code == 403
    refused = upload(other_client, "email,firstname,lastname,country,cohort1\n"
                                   "bea@example.org,Bea,Lima,BR,PICAP-HR-1\n")
    assert refused.status_code == 403
    assert counts(database) == before


def test_imported_names_follow_the_rules_of_the_profile_form(client, database, cohorts,
                                                             coordinator):
    """A name or institution the profile would refuse is refused, its line named."""
    text = ("email,firstname,lastname,country,institution,cohort1\n"
            "ok@example.org,Ana,Pérez,MX,Policía Nacional,PICAP-HR-1\n"
            "emoji@example.org,Ana 😀,Pérez,MX,,PICAP-HR-1\n"
            "cjk@example.org,名前,山田,JP,,PICAP-HR-1\n"
            "bidi@example.org,Ana\u202e,Pérez,MX,,PICAP-HR-1\n"
            "ctrl@example.org,Ana\x07,Pérez,MX,,PICAP-HR-1\n"
            "html@example.org,Bea,Lima,BR,<b>Polícia</b>,PICAP-HR-1\n")
    before = counts(database), count(database, Institution)

    response = upload(client, text)

    assert response.status_code == 422
    lines = problems(response)
    assert [line.split(":", 1)[0] for line in lines] == [
        "Line 3", "Line 4", "Line 5", "Line 6", "Line 7"]
    assert "😀" in lines[0] and "山" in lines[1]
    assert "invisible control characters" in lines[2] and "invisible" in lines[3]
    assert "&lt;b&gt;Polícia&lt;/b&gt;" in lines[4]
    assert (counts(database), count(database, Institution)) == before


def test_an_imported_name_is_stored_as_the_profile_would_store_it(client, database, cohorts,
                                                                 coordinator):
    text = ("email,firstname,lastname,country,institution,cohort1\n"
            "ana@example.org,  Ana   María ,Pérez,MX,Policía   Nacional,PICAP-HR-1\n")

    response = upload(client, text)

    assert response.status_code == 302, page_text(response)[:800]
    assert user(database, "ana@example.org").full_name == "Ana María Pérez"
    assert database.session.scalar(database.select(Institution.name).where(
        Institution.name.like("Polic%"))) == "Policía Nacional"


def test_the_optional_gender_column_is_stored_for_new_accounts(client, database, cohorts,
                                                               coordinator):
    text = ("email,firstname,lastname,country,gender,cohort1\n"
            "ana@example.org,Ana,Pérez,MX,F,PICAP-HR-1\n"
            "leo@example.org,Leo,Rocha,BR,male,PICAP-HR-1\n"
            "sam@example.org,Sam,Reyes,CO,,PICAP-HR-1\n")

    assert upload(client, text).status_code == 302

    assert user(database, "ana@example.org").gender == "female"
    assert user(database, "leo@example.org").gender == "male"
    assert user(database, "sam@example.org").gender is None  # not stated


def test_a_gender_the_report_cannot_count_is_refused_and_nothing_changes(client, database,
                                                                         cohorts, coordinator):
    text = ("email,firstname,lastname,country,gender,cohort1\n"
            "ana@example.org,Ana,Pérez,MX,woman?,PICAP-HR-1\n")
    before = counts(database)

    response = upload(client, text)

    assert response.status_code == 422
    assert problems(response) == [
        "Line 2: 'woman?' is not a gender: write female, male or other, or leave it empty."]
    assert counts(database) == before
