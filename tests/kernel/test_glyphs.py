"""The ground floor's answer to "can a certificate print this name?"."""

from __future__ import annotations

from lms.kernel.glyphs import unprintable_characters


def test_unprintable_characters_are_listed_once_in_order():
    assert unprintable_characters("Nguyễn Łukasz Αλέξανδρος Анна Çağrı") == []
    assert unprintable_characters("王小明 王 😀") == ["王", "小", "明", "😀"]
