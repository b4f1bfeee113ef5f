"""Shared number reading: digits, words, qualifiers, ranges and area units."""

from __future__ import annotations

import pytest

from extractors.numbers import find_areas, find_quantities, parse_number, qualifier_for


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


def areas(text: str) -> list[tuple[float, float | None, float | None, str]]:
    return [(a.value, a.value_low, a.value_high, a.qualifier) for a in find_areas(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gained 203 square kilometers in March", [(203.0, None, None, "exact")]),
        ("seized 499.28 square kilometres", [(499.28, None, None, "exact")]),
        ("gained 4,168 km2 in 2024", [(4168.0, None, None, "exact")]),
        ("gained 4,168 km² in 2024", [(4168.0, None, None, "exact")]),
        ("less than 5 sq km per day", [(5.0, None, None, "under")]),
        ("more than 700 sq. km", [(700.0, None, None, "over")]),
        ("approximately 22 square kilometers per day", [(22.0, None, None, "approximately")]),
        ("up to 40 square kilometers", [(40.0, None, None, "up_to")]),
        ("at least 12 sq km", [(12.0, None, None, "over")]),
        # Square miles are converted: 1 sq mi = 2.589988 km2, rounded to 2 decimals.
        ("about 150 square miles", [(388.5, None, None, "approximately")]),
        ("15 sq mi", [(38.85, None, None, "exact")]),
        ("150-190 square kilometers", [(170.0, 150.0, 190.0, "range")]),
        ("150 to 190 square kilometers", [(170.0, 150.0, 190.0, "range")]),
        ("between 1,600 and 1,700 square kilometers", [(1650.0, 1600.0, 1700.0, "range")]),
        ("between 10 and 20 square miles", [(38.85, 25.9, 51.8, "range")]),
        ("half a million square kilometers", [(500_000.0, None, None, "exact")]),
        ("over one million square kilometres", [(1_000_000.0, None, None, "over")]),
        # A change "from 500 to 700" is not the range 500-700.
        ("grew from 500 to 700 square kilometers", [(700.0, None, None, "exact")]),
        # Not areas: lengths, percentages, bare numbers.
        ("advanced within 10 kilometers of Pokrovsk and 3 percent", []),
        ("took 1,234 prisoners", []),
        # Two figures in one sentence, each read.
        ("203 km2 in March and 4,168 km2 in 2024", [(203.0, None, None, "exact"), (4168.0, None, None, "exact")]),
    ],
)
def test_find_areas(text: str, expected: list[tuple[float, float | None, float | None, str]]):
    assert areas(text) == expected


def test_find_areas_never_reads_part_of_a_number():
    found = find_areas("Russia lost 11,234 sq km")
    assert [(a.value, a.start, a.number_start) for a in found] == [(11234.0, 12, 12)]


def test_find_quantities_with_a_noun_and_its_spans():
    text = "Russian forces suffered over 35,370 casualties and approximately 1,000 killed and wounded."
    found = find_quantities(text, r"(?:casualties|killed\s+and\s+wounded)")
    assert [(q.value, q.qualifier, q.unit_text) for q in found] == [
        (35_370.0, "over", "casualties"),
        (1_000.0, "approximately", "killed and wounded"),
    ]
    assert text[found[0].start : found[0].end] == "over 35,370 casualties"
    assert text[found[0].number_start :].startswith("35,370")


def test_range_with_scale_written_once():
    found = find_quantities("150-190 thousand casualties", r"casualties")
    assert [(q.value_low, q.value_high) for q in found] == [(150_000.0, 190_000.0)]


def test_ocr_glued_unit_is_still_read():
    found = find_quantities("an average of 899losses per day", r"losses")
    assert [q.value for q in found] == [899.0]
