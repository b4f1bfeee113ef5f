"""Every report of the demo archive (samples/isw) parses to the figures samples/isw/expected.json lists."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from extractors.isw import data_cutoff, parse

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "isw"
EXPECTED: list[dict[str, Any]] = (
    json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8")) if (SAMPLES / "expected.json").exists() else []
)
COMPARED = ("metric", "unit", "period_start", "period_end", "qualifier", "assessment")


def sample_file(entry: dict[str, Any]) -> Path:
    path = SAMPLES / "site" / entry["path"]
    return path / "index.html" if path.is_dir() else path


def test_the_archive_is_there_and_covers_the_three_layouts():
    assert len(EXPECTED) >= 12
    assert {entry["layout"] for entry in EXPECTED} == {"drupal", "wordpress", "criticalthreats"}


@pytest.mark.parametrize("entry", EXPECTED, ids=[entry["path"] for entry in EXPECTED])
def test_sample_report_yields_the_expected_figures(entry: dict[str, Any]):
    body = sample_file(entry).read_bytes()
    observations = parse(body, url="https://understandingwar.org" + entry["url_path"])

    got = sorted(
        (tuple(str(getattr(o, field)) for field in COMPARED), o.value) for o in observations
    )
    want = sorted((tuple(str(row[field]) for field in COMPARED), row["value"]) for row in entry["observations"])
    assert [key for key, _ in got] == [key for key, _ in want]
    # Square miles are converted and rounded to 2 decimals, so values agree to that precision.
    assert [value for _, value in got] == pytest.approx([value for _, value in want], abs=0.005)
    assert {o.published_at for o in observations} <= {date.fromisoformat(entry["published"])}


@pytest.mark.parametrize("entry", EXPECTED, ids=[entry["path"] for entry in EXPECTED])
def test_sample_report_data_cutoff(entry: dict[str, Any]):
    text = BeautifulSoup(sample_file(entry).read_bytes(), "lxml").get_text(" ")
    found = data_cutoff(text, date.fromisoformat(entry["published"]))
    assert found == (date.fromisoformat(entry["data_cutoff"]) if entry.get("data_cutoff") else None)
