"""A plausible certificate snapshot (see lms.certification.snapshot), for tests.

The pdf, verification and signing tests import ``sample_snapshot``; it follows the
snapshot schema of the certificates design: every printed field, already formatted
in each of the four languages.
"""

from __future__ import annotations

import copy

_SENTINEL = object()

_COMPETENCIES = [
    ("T1", {"en": "Screening and brief intervention",
            "es": "Tamizaje e intervención breve",
            "fr": "Dépistage et intervention brève",
            "pt": "Triagem e intervenção breve"}),
    ("T2", {"en": "Treatment planning",
            "es": "Planificación del tratamiento",
            "fr": "Planification du traitement",
            "pt": "Planejamento do tratamento"}),
    ("T3", {"en": "Relapse prevention",
            "es": "Prevención de recaídas",
            "fr": "Prévention de la rechute",
            "pt": "Prevenção de recaídas"}),
]

_MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre"],
    "pt": ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto",
           "setembro", "outubro", "novembro", "dezembro"],
}


def _long_date(iso: str, language: str) -> str:
    year, month, day = (int(part) for part in iso.split("-"))
    name = _MONTHS[language][month - 1]
    if language == "en":
        return f"{name} {day}, {year}"
    return f"{day} de {name} de {year}" if language in {"es", "pt"} else f"{day} {name} {year}"


def _text(language: str, issued_on: str, expires_on: str | None, hours: int,
          issuer_name: str) -> dict:
    issued = _long_date(issued_on, language)
    until = _long_date(expires_on, language) if expires_on else None
    competencies = [f"{code} {names[language]}" for code, names in _COMPETENCIES]
    if language == "en":
        return {
            "heading": "Professional Certification",
            "certifies": "This certifies that",
            "achievement": "has met every requirement of the certification track",
            "title": "PROCCER Treatment, Mexico adaptation",
            "program": "PROCCER: Training and certification of drug treatment providers",
            "description": "Completed the required courses and supervised practice hours, "
                           "and demonstrated every competency of the track.",
            "competencies_heading": "Competencies",
            "competencies": competencies,
            "hours": f"{hours} hours",
            "issued": f"Issued on {issued}",
            "validity": f"Valid until {until}" if until else "Does not expire",
            "issuer": f"Issued by {issuer_name} (Mexico)",
            "id_label": "Certificate ID",
            "verify_label": "Verify this certificate at",
        }
    if language == "es":
        return {
            "heading": "Certificado de Certificación",
            "certifies": "Se certifica que",
            "achievement": "ha cumplido todos los requisitos de la ruta de certificación",
            "title": "PROCCER Tratamiento, adaptación para México",
            "program": "PROCCER: Formación y certificación de prestadores de servicios "
                       "de tratamiento",
            "description": "Aprobó los cursos requeridos y las horas de práctica "
                           "supervisada, y demostró cada competencia de la ruta.",
            "competencies_heading": "Competencias",
            "competencies": competencies,
            "hours": f"{hours} horas",
            "issued": f"Emitido el {issued}",
            "validity": f"Válido hasta el {until}" if until else "No vence",
            "issuer": f"Emitido por {issuer_name} (México)",
            "id_label": "ID del certificado",
            "verify_label": "Verifique este certificado en",
        }
    if language == "fr":
        return {
            "heading": "Certificat de certification",
            "certifies": "Nous certifions que",
            "achievement": "a satisfait à toutes les exigences du parcours de certification",
            "title": "PROCCER Traitement, adaptation pour le Mexique",
            "program": "PROCCER : Formation et certification des prestataires de "
                       "traitement des toxicomanies",
            "description": "A suivi les cours requis et les heures de pratique "
                           "supervisée, et a démontré chaque compétence du parcours.",
            "competencies_heading": "Compétences",
            "competencies": competencies,
            "hours": f"{hours} heures",
            "issued": f"Délivré le {issued}",
            "validity": f"Valable jusqu’au {until}" if until else "N’expire pas",
            "issuer": f"Délivré par {issuer_name} (Mexique)",
            "id_label": "Identifiant du certificat",
            "verify_label": "Vérifiez ce certificat sur",
        }
    return {
        "heading": "Certificado de Certificação",
        "certifies": "Certificamos que",
        "achievement": "cumpriu todos os requisitos da trilha de certificação",
        "title": "PROCCER Tratamento, adaptação para o México",
        "program": "PROCCER: Formação e certificação de prestadores de tratamento "
                   "de drogas",
        "description": "Concluiu os cursos exigidos e as horas de prática supervisionada, "
                       "e demonstrou cada competência da trilha.",
        "competencies_heading": "Competências",
        "competencies": competencies,
        "hours": f"{hours} horas",
        "issued": f"Emitido em {issued}",
        "validity": f"Válido até {until}" if until else "Não expira",
        "issuer": f"Emitido por {issuer_name} (México)",
        "id_label": "ID do certificado",
        "verify_label": "Verifique este certificado em",
    }


def sample_snapshot(code: str = "PRC-7K3M-Q9XD-K",
                    holder_name: str = "María José Pérez Núñez",
                    expires_on: str | None | object = _SENTINEL,
                    *, issued_on: str = "2026-05-04", hours: int = 120,
                    kind: str = "track", base_url: str = "https://lms.example.org",
                    issuer_id: int = 3, achievement_id: int = 7) -> dict:
    """A track certificate snapshot; ``expires_on=None`` for one that does not expire.

    The default code is a well-formed ID whose check character matches (the
    design's example PRC-7K3M-Q9XD-5 does not: its check symbol is K).
    """
    if expires_on is _SENTINEL:
        expires_on = f"{int(issued_on[:4]) + 3}{issued_on[4:]}"
    issuer_name = "Comisión Nacional contra las Adicciones"
    snapshot = {
        "v": 1,
        "code": code,
        "kind": kind,
        "holder_name": holder_name,
        "hours": hours,
        "issued_on": issued_on,
        "valid_from": issued_on,
        "expires_on": expires_on,
        "country": "MX",
        "program": {"code": "PROCCER", "prefix": code.split("-", 1)[0]},
        "issuer": {"id": issuer_id, "name": issuer_name, "country": "MX"},
        "achievement": {"type": kind, "id": achievement_id,
                        "code": "PRC-TREAT-MX" if kind == "track" else "PRC-101"},
        "competencies": [{"code": code_} for code_, _names in _COMPETENCIES],
        "verify_url": f"{base_url}/verify/{code}",
        "text": {language: _text(language, issued_on, expires_on, hours, issuer_name)
                 for language in ("en", "es", "fr", "pt")},
    }
    return copy.deepcopy(snapshot)
