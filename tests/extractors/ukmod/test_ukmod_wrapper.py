"""Recognising update posts: the wrapper wording, its date formats, and where the update text is."""

from __future__ import annotations

from datetime import date

import pytest

from extractors.ukmod.channels import Media, Post, update_text_of
from extractors.ukmod.wrapper import find_wrapper, holds_update, is_update_post, strip_wrapper, update_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Latest Defence Intelligence update on the situation in Ukraine 26 March 2022", date(2022, 3, 26)),
        ("Latest Defence Intelligence update on the situation in Ukraine - 26 March 2022", date(2022, 3, 26)),
        ("Latest Defence Intelligence update on the situation in Ukraine – 04 May 2024.", date(2024, 5, 4)),
        ("Latest Defence Intelligence update on the situation in Ukraine—4 May 2024", date(2024, 5, 4)),
        ("Latest Defence Intelligence update on the situation in #Ukraine - 17 Feb 2023", date(2023, 2, 17)),
        ("latest defence intelligence update on the situation in ukraine –\n01 October 2024", date(2024, 10, 1)),
        ("Latest Defence Intelligence update on the situation in Ukraine - 3rd September 2024", date(2024, 9, 3)),
    ],
)
def test_wrapper_dates(text: str, expected: date) -> None:
    assert update_date(text) == expected
    assert is_update_post(text)


@pytest.mark.parametrize(
    "text",
    [
        "The Defence Secretary met his Ukrainian counterpart in London on 06 May 2025.",
        "Defence Intelligence update on the situation in the Red Sea - 04 May 2024",
        "Latest Defence Intelligence update on the situation in Ukraine",  # no date: not one we can place
    ],
)
def test_other_posts_are_not_updates(text: str) -> None:
    assert update_date(text) is None
    assert not is_update_post(text)


def test_impossible_wrapper_date_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match="31 February 2024"):
        find_wrapper("Latest Defence Intelligence update on the situation in Ukraine - 31 February 2024")


def test_wrapper_and_boilerplate_are_not_an_update() -> None:
    wrapper_only = (
        "Latest Defence Intelligence update on the situation in Ukraine – 08 May 2025. Find out more about "
        "Defence Intelligence's use of language: https://t.co/abc #StandWithUkraine 🇺🇦"
    )
    assert strip_wrapper(wrapper_only) == ""
    assert not holds_update(wrapper_only)
    assert holds_update(
        wrapper_only + " Russia has likely suffered approximately 950,000 casualties since February 2022."
    )


def _post(text: str, *alt_texts: str | None) -> Post:
    media = tuple(Media(f"k{i}", "photo", f"/media/{i}.png", alt) for i, alt in enumerate(alt_texts))
    return Post("1", text, None, media, "https://x.com/DefenceHQ/status/1")


def test_update_text_comes_from_post_text_then_alt_text_else_image() -> None:
    wrapper = "Latest Defence Intelligence update on the situation in Ukraine - 04 May 2024."
    update = "Throughout April 2024 the average daily Russian casualty rate was 899 losses per day, a slight fall."
    assert update_text_of(_post(f"{wrapper} {update}", "A map")) == ("text", update)
    assert update_text_of(_post(wrapper, "Map of Ukraine", update)) == ("alt_text", update)
    assert update_text_of(_post(wrapper, "Map of Ukraine", None)) is None
