"""One ISW report saved three ways (the site's HTML, a browser's plain text, a reader view's
Markdown) reads to the same observations: the form is told from the bytes, not the file name."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from extractors.isw import is_html, read, text_blocks

FORMS = Path(__file__).parent / "fixtures" / "isw" / "three_forms"
REPORT = "report_2025-06-02"


def observed(body: bytes) -> list[tuple[object, ...]]:
    reading = read(body)
    return [
        (o.metric, o.subject, o.period_start, o.period_end, o.value, o.value_low, o.value_high, o.qualifier,
         o.assessment, o.quote, o.published_at)
        for o in reading.observations
    ] + [("unread", u.quote, u.reason) for u in reading.unread]


def test_the_html_report_reads_as_expected():
    rows = observed((FORMS / f"{REPORT}.html").read_bytes())
    figures = [(r[0], r[2].isoformat(), r[3].isoformat(), r[4], r[8]) for r in rows if r[0] != "unread"]
    assert figures == [
        ("territory_gained", "2025-05-01", "2025-05-31", 499.28, "assessed"),
        # "over the same period": the period of the figure before it
        ("casualties_in_period", "2025-05-01", "2025-05-31", 35370.0, "assessed"),
        # the sentence after names no period: it takes the previous sentence's
        ("casualties_per_km2", "2025-05-01", "2025-05-31", 71.0, "assessed"),
        ("territory_gain_rate", "2025-05-01", "2025-05-31", 16.0, "assessed"),
        # "354 square kilometers in February 2025, 203 in March 2025 and 379 in April 2025"
        ("territory_gained", "2025-02-01", "2025-02-28", 354.0, "assessed"),
        ("territory_gained", "2025-03-01", "2025-03-31", 203.0, "assessed"),
        ("territory_gained", "2025-04-01", "2025-04-30", 379.0, "assessed"),
        # "so far in 2025" runs to the stated data cut-off
        ("territory_gained", "2025-01-01", "2025-06-02", 1650.0, "assessed"),
        ("territory_gained", "2025-05-01", "2025-05-31", 1000.0, "claimed"),
    ]
    assert {r[10] for r in rows if r[0] != "unread"} == {date(2025, 6, 2)}
    # Ukrainian gains and one sector's claim are kept for review; civilian casualties are no figure.
    assert [r[2].split(":")[0] for r in rows if r[0] == "unread"] == [
        "a figure about Ukrainian forces",
        "a figure for one direction or area of the front, not the whole of it",
    ]


@pytest.mark.parametrize("form", ["txt", "md"])
def test_a_text_or_markdown_copy_reads_like_the_html(form: str):
    html = observed((FORMS / f"{REPORT}.html").read_bytes())
    assert observed((FORMS / f"{REPORT}.{form}").read_bytes()) == html


def test_the_form_is_told_from_the_bytes_not_the_name():
    html, markdown = (FORMS / f"{REPORT}.html").read_bytes(), (FORMS / f"{REPORT}.md").read_bytes()
    assert is_html(html) and not is_html(markdown)
    assert not is_html((FORMS / f"{REPORT}.txt").read_bytes())
    # An HTML fragment without <html> (a feed's content:encoded) is still HTML.
    assert is_html(b"<div><p>One.</p><p>Two.</p><p>Three.</p><ul><li>a</li></ul><br></div>")
    assert is_html(b"\xef\xbb\xbf  <!DOCTYPE html><html><body></body></html>")


def test_markdown_syntax_and_footnotes_do_not_reach_the_quotes():
    blocks = text_blocks((FORMS / f"{REPORT}.md").read_text(encoding="utf-8"))
    text = " ".join(block for _, block in blocks)
    for residue in ("**", "[[", "](", "#_edn", "title:", "https://"):
        assert residue not in text
    # Endnotes stop the report: nothing after the "Endnotes" heading is a block.
    assert not any("example.org" in block for _, block in blocks)
    assert ("unconfirmed claims", "Unconfirmed claims: Russian milbloggers claimed that Russian forces seized more "
            "than 12 square kilometers near Kotlyne over the past week.") in blocks


def test_a_hard_wrapped_text_copy_joins_its_lines_into_sentences():
    wrapped = (
        "Russian Offensive Campaign Assessment, June 2, 2025\n\n"
        "Russian forces made their largest monthly gain of 2025 in May, taking 499.28\n"
        "square kilometers, and suffered 35,370 casualties over the same period.\n"
    ).encode("windows-1252")
    [gain, casualties] = read(wrapped).observations
    assert (gain.value, casualties.value, casualties.period_end) == (499.28, 35370.0, date(2025, 5, 31))
    assert gain.quote.startswith("Russian forces made their largest monthly gain of 2025 in May, taking 499.28 square")
