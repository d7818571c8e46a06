"""Countries are listed in the viewer's alphabet order, accents and capitals aside:
"México" between "Mayotte" and "Micronesia" in Spanish, not after "Myanmar"."""

from __future__ import annotations

import re

from lms.i18n import collation_key, country_choices


def test_accents_and_capitals_do_not_push_a_name_to_the_end():
    names = ["Myanmar", "México", "Mayotte", "Micronesia", "mónaco", "Ébano", "Zambia"]

    assert sorted(names, key=collation_key) == [
        "Ébano", "Mayotte", "México", "Micronesia", "mónaco", "Myanmar", "Zambia"]


def test_names_equal_without_accents_keep_a_fixed_order():
    assert sorted(["Peru", "Perú", "perú"], key=collation_key) == \
        sorted(["perú", "Perú", "Peru"], key=collation_key)


def test_spanish_country_list_puts_mexico_among_the_m():
    names = [name for _code, name in country_choices("es")]

    at = names.index("México")
    assert names[at - 1] == "Mayotte"
    assert names[at + 1] == "Micronesia"
    assert names.index("Islas Caimán") < names.index("Islas Cocos")


def test_french_country_list_is_in_french_order():
    names = [name for _code, name in country_choices("fr")]

    assert names.index("Algérie") < names.index("Allemagne")
    assert names.index("Égypte") < names.index("Érythrée") < names.index("Espagne")
    assert names[-1] != "Île Christmas" and names.index("Île Christmas") < names.index("Inde")


def test_the_registration_form_lists_countries_in_spanish_order(client):
    page = client.get("/register", headers={"Accept-Language": "es"}).get_data(as_text=True)

    options = re.findall(r'<option value="([A-Z]{2})"[^>]*>([^<]+)</option>', page)
    codes = [code for code, _name in options]
    assert codes.index("YT") < codes.index("MX") < codes.index("FM") < codes.index("MM")
