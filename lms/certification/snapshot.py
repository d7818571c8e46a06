"""The printed fields of a certificate, frozen when it is issued.

Everything the PDF and the verification page show comes from this dictionary,
already worded and formatted in each of our languages, so a certificate prints
the same years later even after a course is renamed or a catalog retranslated.

Issuing many certificates at once (a cohort of a thousand) builds the parts that
are the same for everyone once (``SnapshotTemplate``) and fills in the holder's
name, code and hours per certificate, without any query.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import date
from typing import Any

from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _

from lms.i18n import LANGUAGES, country_name
from lms.web.urls import public_url

# 2: the credential names the issuer by its did:web, points to the issuer's Bitstring
# Status List at ``status_index`` and carries the achievement in every language
# (lms.certification.credential); 1: an https issuer and the 1EdTech revocation list.
SNAPSHOT_VERSION = 2


def verify_url(code: str, base: str | None = None) -> str:
    return f"{base or public_url()}/verify/{code}"


def _long_date(value: date | None) -> str:
    return format_date(value, format="long") if value is not None else ""


class SnapshotTemplate:
    """The fields shared by every certificate of one issue (same track or course, same day).

    ``achievement`` is a Track (kind "track") or a Course (kind "course"); both are
    Translatable rows. ``competencies`` are Competency rows with their translations
    loaded. ``country`` is the track's or cohort's country.
    """

    def __init__(self, *, kind: str, achievement: Any, program: Any, issuer: Any,
                 issued_on: date, valid_from: date, expires_on: date | None,
                 country: str | None, competencies: Sequence[Any] = (),
                 base: str | None = None) -> None:
        self.kind = kind
        # Never the request's host: what a certificate prints lasts as long as it is valid.
        self.base = base or public_url()
        self.hours_text: dict[int, dict[str, str]] = {}
        self.shared: dict[str, Any] = {
            "v": SNAPSHOT_VERSION,
            "kind": kind,
            "issued_on": issued_on.isoformat(),
            "valid_from": valid_from.isoformat(),
            "expires_on": expires_on.isoformat() if expires_on else None,
            "country": country,
            "program": {"code": program.code, "prefix": program.certificate_prefix},
            "issuer": {"id": issuer.id, "name": issuer.name, "country": issuer.country},
            "achievement": {"type": kind, "id": achievement.id, "code": achievement.code},
            "competencies": [{"code": c.code} for c in competencies],
        }
        self.text: dict[str, dict[str, Any]] = {}
        for lang in LANGUAGES:
            with force_locale(lang):
                self.text[lang] = _texts(kind, achievement, program, issuer, issued_on,
                                         expires_on, competencies, lang)

    def _hours(self, hours: int) -> dict[str, str]:
        found = self.hours_text.get(hours)
        if found is None:
            found = {}
            for lang in LANGUAGES:
                with force_locale(lang):
                    found[lang] = ngettext("%(num)s hour", "%(num)s hours", hours)
            self.hours_text[hours] = found
        return found

    def build(self, *, code: str, holder_name: str, hours: int,
              status_index: int | None = None) -> dict[str, Any]:
        hours_text = self._hours(hours)
        snapshot = {
            **copy.deepcopy(self.shared),
            "code": code,
            "holder_name": holder_name,
            "hours": hours,
            "status_index": status_index,
            "verify_url": verify_url(code, self.base),
            "text": {lang: {**text, "hours": hours_text[lang]}
                     for lang, text in self.text.items()},
        }
        # Keep the documented key order (code and holder first) for readable JSON.
        order = ["v", "code", "kind", "holder_name", "hours", "issued_on", "valid_from",
                 "expires_on", "country", "program", "issuer", "achievement", "competencies",
                 "status_index", "verify_url", "text"]
        return {key: snapshot[key] for key in order}


def _texts(kind: str, achievement: Any, program: Any, issuer: Any, issued_on: date,
           expires_on: date | None, competencies: Sequence[Any], lang: str) -> dict[str, Any]:
    """The sentences of one language; call inside ``force_locale(lang)``."""
    if kind == "track":
        heading = _("Professional Certification")
        achieved = _("has met every requirement of the certification track")
        description = achievement.in_locale("description", lang) or _(
            "Awarded on completion of the required courses, supervised practice and "
            "competency assessments of the track.")
    else:
        heading = _("Certificate of Course Completion")
        achieved = _("has completed the course")
        description = _("Awarded on passing every required assessment of the course.")
    issuer_country = country_name(issuer.country, lang)
    return {
        "heading": heading,
        "certifies": _("This certifies that"),
        "achievement": achieved,
        "title": achievement.in_locale("title", lang),
        "program": program.in_locale("name", lang),
        "description": description,
        "competencies_heading": _("Competencies"),
        "competencies": [f"{c.code} {c.in_locale('title', lang)}" for c in competencies],
        "hours": "",
        "issued": _("Issued on %(date)s", date=_long_date(issued_on)),
        "validity": (_("Valid until %(date)s", date=_long_date(expires_on)) if expires_on
                     else _("Does not expire")),
        "issuer": (_("Issued by %(name)s (%(country)s)", name=issuer.name,
                     country=issuer_country) if issuer_country
                   else _("Issued by %(name)s", name=issuer.name)),
        "id_label": _("Certificate ID"),
        "verify_label": _("Verify this certificate at"),
    }


def build_snapshot(*, code: str, kind: str, holder_name: str, hours: int, achievement: Any,
                   program: Any, issuer: Any, issued_on: date, valid_from: date,
                   expires_on: date | None, country: str | None,
                   competencies: Sequence[Any] = (), base: str | None = None,
                   status_index: int | None = None) -> dict[str, Any]:
    """The snapshot of one certificate (its shape: the keys built below)."""
    template = SnapshotTemplate(kind=kind, achievement=achievement, program=program,
                                issuer=issuer, issued_on=issued_on, valid_from=valid_from,
                                expires_on=expires_on, country=country,
                                competencies=competencies, base=base)
    return template.build(code=code, holder_name=holder_name, hours=hours,
                          status_index=status_index)


def renamed(snapshot: dict[str, Any], *, code: str, holder_name: str,
            base: str | None = None, status_index: int | None = None) -> dict[str, Any]:
    """A copy of ``snapshot`` for a re-issue under a corrected name: same wording and
    dates; a new credential, so the current version with its own status position."""
    result = copy.deepcopy(snapshot)
    result["v"] = SNAPSHOT_VERSION
    result["code"] = code
    result["holder_name"] = holder_name
    result["status_index"] = status_index
    result["verify_url"] = verify_url(code, base)
    return result
