"""OCR of update images with Tesseract, and the repairs made to OCR text before parsing."""

from __future__ import annotations

from datetime import date

import pytest

from extractors.ukmod import ImageNotRead, parse, parse_recognised, recognise
from extractors.ukmod.ocr import Repair, repair_ocr_text, tesseract_available
from samples.ukmod.render import render_update_png

needs_tesseract = pytest.mark.skipif(
    not tesseract_available(), reason="tesseract is not installed (apt-get install -y tesseract-ocr)"
)


@pytest.mark.parametrize(
    ("damaged", "repaired", "repair"),
    [
        ("899losses per day", "899 losses per day", Repair("glued_number", "899losses", "899 losses")),
        ("over the last twomonths", "over the last two months", Repair("glued_words", "twomonths", "two months")),
        ("1,27l casualties", "1,271 casualties", Repair("digit_letter", "1,27l", "1,271")),
        ("l,271 a day", "1,271 a day", Repair("digit_letter", "l,271", "1,271")),
        ("more than 7O0 sq km", "more than 700 sq km", Repair("digit_letter", "7O0", "700")),
        ("gained 143sq km", "gained 143 sq km", Repair("glued_number", "143sq", "143 sq")),
        ("143 sq krn in March", "143 sq km in March", Repair("unit", "sq krn", "sq km")),
        ("of Ukrain-\nian territory", "of Ukrainian territory", Repair("hyphenation", "Ukrain-\nian", "Ukrainian")),
        ("1,570 perday", "1,570 per day", Repair("glued_words", "perday", "per day")),
    ],
)
def test_repairs_are_made_and_recorded(damaged: str, repaired: str, repair: Repair) -> None:
    assert repair_ocr_text(damaged) == (repaired, [repair])


@pytest.mark.parametrize(
    "clean",
    [
        "I expect l and Il to stay words; the 1st day; the 1990s; 10k and 5m stay as written",
        "a range of 175,000-\n200,000 keeps its hyphen",
        "the self-\nPropelled word keeps its capital; Russia's 2024 losses",
        "899 losses per day; 1,271 a day; 143 sq km",
    ],
)
def test_text_that_is_not_damaged_is_left_alone(clean: str) -> None:
    assert repair_ocr_text(clean) == (clean, [])


def test_repaired_damage_parses_to_the_right_figures() -> None:
    damaged = (
        "Latest Defence Intelligence update on the situation in Ukraine - 01 October 2024\n"
        "Throughout September 2024 Russian forces likely suffered an aver-\nage of 1,27lcasualties per day."
    )
    text, repairs = repair_ocr_text(damaged)
    assert {r.kind for r in repairs} == {"hyphenation", "glued_number", "digit_letter"}
    [observation] = parse(text.encode())
    assert (observation.metric, observation.value, observation.period_start) == (
        "casualties_daily_avg",
        1271.0,
        date(2024, 9, 1),
    )


@needs_tesseract
def test_ocr_of_an_image_rendered_from_our_text_recovers_its_figures() -> None:
    text = (
        "Latest Defence Intelligence update on the situation in Ukraine - 02 June 2024\n\n"
        "Russian casualties in May 2024 very likely averaged 1,256 per day, the highest monthly average "
        "of the war so far.\n\nRussia has highly likely suffered approximately 500,000 casualties since "
        "February 2022, including up to a quarter of a million killed."
    )
    image = render_update_png(text)
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    recognised = recognise(image)
    observations = parse_recognised(recognised, url="http://127.0.0.1/media/x.png", published=date(2024, 6, 2))
    assert "1,256" in recognised.text
    assert [(o.metric, o.value, o.qualifier, o.confidence) for o in observations] == [
        ("casualties_daily_avg", 1256.0, "exact", "very likely"),
        ("casualties_cumulative", 500000.0, "approximately", "highly likely"),
        ("killed_cumulative", 250000.0, "up_to", "highly likely"),
    ]
    assert all(o.published_at == date(2024, 6, 2) for o in observations)


@needs_tesseract
def test_image_date_falls_back_to_the_wrapper_printed_in_it() -> None:
    image = render_update_png(
        "Latest Defence Intelligence update on the situation in Ukraine - 05 April 2025\n\n"
        "Russian forces likely gained 143 sq km of Ukrainian territory in March 2025."
    )
    [observation] = parse(image)
    assert (observation.published_at, observation.value) == (date(2025, 4, 5), 143.0)


def test_without_tesseract_an_image_is_not_read_rather_than_crashing(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no tesseract on the PATH
    image = render_update_png("Header line\n\nRussian casualties are now over 465,000.")
    with pytest.raises(ImageNotRead, match="not read: tesseract is not installed"):
        recognise(image)
    with pytest.raises(ImageNotRead, match="not read: tesseract is not installed"):
        parse(image, published=date(2024, 5, 4))
