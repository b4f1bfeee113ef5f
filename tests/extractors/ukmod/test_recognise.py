"""`recognise` (an image's repaired OCR text, with how it was made) and its stored JSON form."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from extractors.ukmod import (
    ImageNotRead,
    RecognisedText,
    parse_recognised,
    read_recognised,
    recognise,
    recognised_is_current,
)
from extractors.ukmod.ocr import OCR_SETTINGS, Repair, tesseract_available, tesseract_version
from samples.ukmod.render import render_update_png

needs_tesseract = pytest.mark.skipif(
    not tesseract_available(), reason="tesseract is not on PATH (apt-get install -y tesseract-ocr)"
)

# Our own update text with the damage OCR usually does, printed into the image so Tesseract reads it back.
DAMAGED_UPDATE = (
    "Latest Defence Intelligence update on the situation in Ukraine - 04 May 2024\n\n"
    "Throughout April 2024 the average daily Russian casualty rate was 899losses per day, after "
    "twomonths of decline. Russia has highly likely suffered over 465,000 casualties since February 2022."
)

A_READING = RecognisedText(
    text="Russian forces likely gained 143 sq km of Ukrainian territory in March 2025.",
    raw_text="Russian forces likely gained 143sq km of Ukrain-\nian territory in March 2025.",
    repairs=(Repair("hyphenation", "Ukrain-\nian", "Ukrainian"), Repair("glued_number", "143sq", "143 sq")),
    engine="tesseract 5.3.0",
    settings=dict(OCR_SETTINGS),
    created_at=datetime(2025, 4, 5, 9, 30, tzinfo=UTC),
)


@needs_tesseract
def test_a_rendered_update_is_recognised_with_its_figures_and_repairs() -> None:
    recognised = recognise(render_update_png(DAMAGED_UPDATE))
    assert "899 losses per day" in recognised.text and "two months" in recognised.text
    assert "899losses" in recognised.raw_text  # what Tesseract read, kept as read
    assert recognised.repairs == (
        Repair("glued_words", "twomonths", "two months"),
        Repair("glued_number", "899losses", "899 losses"),
    )
    assert recognised.engine == tesseract_version() and recognised.engine.startswith("tesseract 5.")
    assert recognised.settings == OCR_SETTINGS == {"tesseract_args": "-l eng", "repairs": "repairs-2"}
    observations = parse_recognised(recognised, url="http://127.0.0.1/media/x.png", published=date(2024, 5, 4))
    assert [(o.metric, o.period_start, o.value, o.qualifier) for o in observations] == [
        ("casualties_daily_avg", date(2024, 4, 1), 899.0, "exact"),
        ("casualties_cumulative", date(2022, 2, 24), 465000.0, "over"),
    ]


@needs_tesseract
def test_a_reading_is_current_only_for_the_installed_engine_and_the_current_settings() -> None:
    current = dataclasses.replace(A_READING, engine=tesseract_version() or "")
    assert recognised_is_current(current)
    assert not recognised_is_current(dataclasses.replace(current, engine="tesseract 4.1.1"))
    other_rules = {**OCR_SETTINGS, "repairs": "repairs-0"}
    assert not recognised_is_current(dataclasses.replace(current, settings=other_rules))


def test_without_tesseract_a_stored_reading_is_the_one_to_use_and_a_new_one_cannot_be_made(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no tesseract on the PATH
    assert recognised_is_current(dataclasses.replace(A_READING, engine="tesseract 4.1.1"))
    with pytest.raises(ImageNotRead, match="tesseract is not installed"):
        recognise(render_update_png("Header line\n\nRussian casualties are now over 465,000."))


def test_recognise_refuses_what_is_not_an_image() -> None:
    with pytest.raises(ValueError, match="wants a PNG or JPEG image, not a text document"):
        recognise(b"Russian casualties are now over 465,000.")


def test_a_reading_survives_its_stored_json() -> None:
    stored = A_READING.to_json()
    assert json.loads(stored)["repairs"][1] == {"kind": "glued_number", "before": "143sq", "after": "143 sq"}
    assert json.loads(stored)["created_at"] == "2025-04-05T09:30:00+00:00"
    assert read_recognised(stored.encode()) == A_READING


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"text": None}, "'text' must be a str, not NoneType"),
        ({"repairs": [{"kind": "unit", "before": "sq krn"}]}, "a repair must have kind, before and after"),
        ({"settings": {"repairs": 1}}, "'settings' must map names to strings"),
        ({"created_at": "yesterday"}, "'created_at' is not an ISO time: 'yesterday'"),
    ],
)
def test_a_damaged_stored_reading_is_refused_naming_what_is_wrong(change: dict[str, object], message: str) -> None:
    document = {**json.loads(A_READING.to_json()), **change}
    with pytest.raises(ValueError, match=message):
        read_recognised(json.dumps(document))


def test_stored_text_that_is_not_json_is_refused() -> None:
    with pytest.raises(ValueError, match="stored OCR text is not JSON"):
        read_recognised(b"\x89PNG")
