"""Shared number reading: digits, words, qualifiers, ranges and area units."""

from __future__ import annotations

import pytest

from extractors.reading.numbers import area_to_km2, find_numbers, parse_number, qualifier_for


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4,168", 4168.0),
        ("499.28", 499.28),
        ("1,271", 1271.0),
        ("1.1 million", 1_100_000.0),
        ("950 thousand", 950_000.0),
        ("a quarter of a million", 250_000.0),
        ("three quarters of a million", 750_000.0),
        ("half a million", 500_000.0),
        ("one million", 1_000_000.0),
        ("a million", 1_000_000.0),
        ("one and a half million", 1_500_000.0),
        ("twenty-five", 25.0),
        ("two hundred and fifty", 250.0),
        ("Seven Hundred", 700.0),
    ],
)
def test_parse_number(text: str, expected: float):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["", "about", "many", "4,1x8", "over one million"])
def test_parse_number_rejects_what_is_not_a_number(text: str):
    with pytest.raises(ValueError, match="not a number"):
        parse_number(text)


@pytest.mark.parametrize(
    ("word", "qualifier"),
    [
        (None, "exact"),
        ("approximately", "approximately"),
        ("About", "approximately"),
        ("roughly", "approximately"),
        ("over", "over"),
        ("more   than", "over"),
        ("well over", "over"),
        ("at least", "over"),
        ("less than", "under"),
        ("fewer than", "under"),
        ("up to", "up_to"),
        ("as many as", "up_to"),
    ],
)
def test_qualifier_for(word: str | None, qualifier: str):
    assert qualifier_for(word) == qualifier


def test_qualifier_for_names_an_unknown_word():
    with pytest.raises(ValueError, match="'perhaps'"):
        qualifier_for("perhaps")


def numbers(text: str) -> list[tuple[float, float | None, float | None, str]]:
    return [(q.value, q.value_low, q.value_high, q.qualifier) for q in find_numbers(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gained 203 square kilometers in March", [(203.0, None, None, "exact")]),
        ("seized 499.28 square kilometres", [(499.28, None, None, "exact")]),
        ("less than 5 sq km per day", [(5.0, None, None, "under")]),
        ("more than 700 sq. km", [(700.0, None, None, "over")]),
        ("approximately 22 square kilometers per day", [(22.0, None, None, "approximately")]),
        ("an average above 1,000 a day", [(1000.0, None, None, "over")]),
        ("up to 40 square kilometers", [(40.0, None, None, "up_to")]),
        ("at least 12 sq km", [(12.0, None, None, "over")]),
        ("150-190 square kilometers", [(170.0, 150.0, 190.0, "range")]),
        ("150 to 190 square kilometers", [(170.0, 150.0, 190.0, "range")]),
        ("between 1,600 and 1,700 square kilometers", [(1650.0, 1600.0, 1700.0, "range")]),
        ("between 150,000-190,000 permanent casualties", [(170000.0, 150000.0, 190000.0, "range")]),
        ("150-190 thousand casualties", [(170000.0, 150000.0, 190000.0, "range")]),
        ("half a million casualties", [(500_000.0, None, None, "exact")]),
        ("over one million casualties", [(1_000_000.0, None, None, "over")]),
        # A change "from 500 to 700" is not the range 500-700: two numbers, the change's two ends.
        ("grew from 500 to 700 square kilometers", [(500.0, None, None, "exact"), (700.0, None, None, "exact")]),
        # Nor are two numbers a blanked phrase stands between ("from 1,271 [in September] to 1,354").
        ("from 1,271                   to 1,354", [(1271.0, None, None, "exact"), (1354.0, None, None, "exact")]),
        # Names and scores are not numbers of anything.
        ("an Su-34 and an S-300 launcher", []),
        ("a 2025-2024 score", []),
        # Two figures in one sentence, each read.
        # Every number, the year too: what each counts is decided by extractors.reading.figures.
        ("203 km2 in March and 4,168 km2 in 2024",
         [(203.0, None, None, "exact"), (4168.0, None, None, "exact"), (2024.0, None, None, "exact")]),
    ],
)
def test_find_numbers(text: str, expected: list[tuple[float, float | None, float | None, str]]):
    assert numbers(text) == expected


def test_find_numbers_never_reads_part_of_a_number_and_keeps_its_spans():
    text = "Russian forces suffered over 35,370 casualties and lost 11,234 sq km"
    found = find_numbers(text)
    assert [(q.value, q.qualifier) for q in found] == [(35_370.0, "over"), (11_234.0, "exact")]
    assert text[found[0].start : found[0].end] == "over 35,370"
    assert text[found[0].number_start :].startswith("35,370")


def test_ocr_damaged_thousands_are_read_whole_not_as_a_small_number():
    assert [q.value for q in find_numbers("losses of 1,2711 per day")] == [12711.0]


@pytest.mark.parametrize(
    ("value", "unit", "km2"),
    [(150.0, "square miles", 388.5), (15.0, "sq mi", 38.85), (203.0, "square kilometers", 203.0), (5.0, "km²", 5.0)],
)
def test_area_to_km2_converts_square_miles_only(value: float, unit: str, km2: float):
    assert area_to_km2(value, unit) == km2
