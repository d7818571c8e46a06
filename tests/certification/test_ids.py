"""Certificate IDs: the check character catches typos; lookups forgive formatting."""

from __future__ import annotations

import re

import pytest

from lms.certification import ids

_SYMBOL = "[0-9A-HJKMNP-TV-Z]"
SHAPE = re.compile(rf"^[A-Z]{{2,6}}-{_SYMBOL}{{4}}-{_SYMBOL}{{4}}-[0-9A-HJKMNP-TV-Z*~$=U]$")


def sample_codes(count: int = 300) -> list[str]:
    return [ids.new_code("PRC") for _ in range(count)]


def body_of(code: str) -> str:
    return code.split("-", 1)[1].replace("-", "")[:8]


def test_new_code_has_the_documented_shape_and_parses_to_itself():
    codes = sample_codes(500)
    assert len(set(codes)) == 500
    for code in codes:
        assert SHAPE.match(code), code
        assert ids.parse(code) == code


def test_every_check_symbol_occurs_including_the_five_extra_ones():
    seen = {code[-1] for code in sample_codes(4000)}
    assert set("*~$=U") <= seen
    assert len(seen) == 37


def test_the_check_symbol_is_the_value_modulo_37():
    # 7K3MQ9XD = 7,19,3,20,23,9,29,13 in base 32
    value = 0
    for digit in (7, 19, 3, 20, 23, 9, 29, 13):
        value = value * 32 + digit
    assert ids.check_symbol("7K3MQ9XD") == ids.CHECK_SYMBOLS[value % 37] == "K"
    assert ids.parse("PRC-7K3M-Q9XD-K") == "PRC-7K3M-Q9XD-K"


def test_every_single_character_substitution_is_caught():
    for code in sample_codes(200):
        prefix = code.split("-")[0]
        symbols = body_of(code) + code[-1]
        for position, original in enumerate(symbols):
            alphabet = ids.CHECK_SYMBOLS if position == 8 else ids.ALPHABET
            for other in alphabet:
                if other == original:
                    continue
                typed = symbols[:position] + other + symbols[position + 1:]
                text = f"{prefix}-{typed[:4]}-{typed[4:8]}-{typed[8]}"
                with pytest.raises(ids.InvalidId) as caught:
                    ids.parse(text)
                assert caught.value.reason == "check", text


def test_every_adjacent_transposition_of_the_body_is_caught():
    swaps = 0
    for code in sample_codes(300):
        prefix, check = code.split("-")[0], code[-1]
        body = body_of(code)
        for position in range(7):
            a, b = body[position], body[position + 1]
            if a == b:
                continue
            swapped = body[:position] + b + a + body[position + 2:]
            with pytest.raises(ids.InvalidId) as caught:
                ids.parse(f"{prefix}-{swapped[:4]}-{swapped[4:]}-{check}")
            assert caught.value.reason == "check"
            swaps += 1
    assert swaps > 1500  # the loop really ran over many transpositions


@pytest.mark.parametrize("typed", [
    "prc-7k3m-q9xd-k",
    "PRC 7K3M Q9XD K",
    "  PRC-7K3M-Q9XD-K\n",
    "PRC7K3MQ9XDK",
    "PRC7K3M-Q9XD-K",
    "prc.7k3m.q9xd.k",
    "PRC–7K3M–Q9XD–K",  # en dashes, as word processors write them
    "PRC-7K3M-Q9XD-k",
])
def test_normalisation_of_case_spaces_and_separators(typed):
    assert ids.parse(typed) == "PRC-7K3M-Q9XD-K"


def test_i_l_and_o_in_the_body_read_as_digits_but_not_in_the_prefix():
    code = "PRC-1J0T-ZNYT-6"
    assert ids.parse(code) == code
    assert ids.parse("PRC-IJOT-ZNYT-6") == code
    assert ids.parse("prc-ljot-znyt-6") == code
    assert ids.parse("POL-1J0T-ZNYT-6") == "POL-1J0T-ZNYT-6"  # prefix letters kept


def test_a_check_symbol_u_is_accepted_in_lower_case():
    code = next(code for code in sample_codes(5000) if code.endswith("U"))
    assert ids.parse(code.lower()) == code


@pytest.mark.parametrize("text", [
    "", "   ", "hello", "PRC", "PRC-7K3M-Q9XD", "PRC-7K3M-Q9XD-KK",
    "P-7K3M-Q9XD-K",            # prefix too short
    "PROCCERX-7K3M-Q9XD-K",     # prefix too long
    "PR1-7K3M-Q9XD-K",          # digit in the prefix
    "PRC-7K3U-Q9XD-K",          # U is only a check symbol
    "PRC-7K3*-Q9XD-K",          # so is *
    "PRC-7K3M-Q9XD-#",
    "PRÇ-7K3M-Q9XD-K",
    "Ω" * 12,
])
def test_bad_format(text):
    with pytest.raises(ids.InvalidId) as caught:
        ids.parse(text)
    assert caught.value.reason == "format"
    assert not ids.is_valid(text)


def test_non_string_is_bad_format():
    with pytest.raises(ids.InvalidId) as caught:
        ids.parse(None)  # type: ignore[arg-type]
    assert caught.value.reason == "format"


def test_messages_say_what_went_wrong():
    assert ids.InvalidId("format").message == (
        "This is not a certificate ID: it should look like PRC-7K3M-Q9XD-K.")
    assert ids.InvalidId("check").message == (
        "The check character does not match: the ID was probably mistyped.")


def test_new_code_refuses_a_bad_prefix():
    for prefix in ("", "P", "prc", "PROCCER", "P1"):
        with pytest.raises(ValueError, match="prefix"):
            ids.new_code(prefix)
