"""The curated source: the reviewed figures file parses, and a bad row fails naming its number."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from extractors import curated
from extractors.catalogue import METRICS

# A copy of the curated file as it held three rows: the tests below count and edit its rows, so
# they must not change whenever a figure is added to the real file (tested whole at the end).
FIGURES = Path(__file__).resolve().parent / "fixtures" / "curated" / "figures.yaml"
CURATED_FILE = Path(__file__).resolve().parents[2] / "curated" / "figures.yaml"


def rows() -> list[dict[str, Any]]:
    return yaml.safe_load(FIGURES.read_bytes())


def dump(edited: list[dict[str, Any]]) -> bytes:
    return yaml.safe_dump(edited, sort_keys=False).encode()


def test_the_curated_file_parses_with_the_north_korean_figures() -> None:
    observations = curated.parse(FIGURES.read_bytes(), sha256="f00d")
    by_metric = {o.metric: o for o in observations}
    assert {m: o.value for m, o in by_metric.items()} == {
        "troops_deployed": 15000.0,
        "killed_cumulative": 600.0,
        "casualties_cumulative": 4700.0,
    }
    for obs in observations:
        assert (obs.source, obs.subject, obs.unit, obs.qualifier) == ("curated", "KP", "persons", "approximately")
        assert (obs.period_start, obs.period_end, obs.published_at) == (
            date(2024, 10, 1),
            date(2025, 4, 30),
            date(2025, 4, 30),
        )
        assert obs.quote.startswith("Reuters: ")
        assert obs.url is not None and obs.url.startswith("https://")
        assert (obs.document_sha256, obs.parser_version) == ("f00d", "curated-1")
    assert METRICS["troops_deployed"] == "persons"


def test_an_edited_row_parses_to_the_new_value() -> None:
    edited = rows()
    edited[1]["value"] = 610
    killed = [o for o in curated.parse(dump(edited)) if o.metric == "killed_cumulative"]
    assert [o.value for o in killed] == [610.0]


def test_a_range_row_keeps_its_bounds() -> None:
    edited = rows()
    edited[2] |= {"value": 4500, "value_low": 4000, "value_high": 5000, "qualifier": "range"}
    casualties = [o for o in curated.parse(dump(edited)) if o.metric == "casualties_cumulative"]
    assert [(o.value_low, o.value, o.value_high, o.qualifier) for o in casualties] == [
        (4000.0, 4500.0, 5000.0, "range")
    ]


@pytest.mark.parametrize(
    ("row_index", "change", "message"),
    [
        (1, {"unit": "count"}, r"row 2 \(killed_cumulative\): field 'unit' must be 'persons'"),
        (2, {"value": "4,700"}, r"row 3 \(casualties_cumulative\): field 'value' must be a plain number"),
        (0, {"period_end": "30 April 2025"}, r"row 1 \(troops_deployed\): field 'period_end' must be a date"),
        (1, {"valeu": 600}, r"row 2 \(killed_cumulative\): field 'valeu' is not a curated field"),
        (2, {"url": None}, r"row 3 \(casualties_cumulative\): field 'url' is required"),
        (0, {"metric": "troops_killed"}, r"row 1 \(troops_killed\): field 'metric' must be one of"),
        (1, {"subject": "NK"}, r"row 2 \(killed_cumulative\): field 'subject' must be one of"),
        (2, {"period_start": "2025-05-01"}, r"row 3 .*field 'period_end' 2025-04-30 is before period_start"),
        (0, {"qualifier": "range"}, r"row 1 .*field 'value_low' is required when qualifier is range"),
        (1, {"value_low": 700, "value_high": 900}, r"row 2 .*field 'value' 600.0 is outside"),
        (2, {"url": "reuters.com/world"}, r"row 3 .*field 'url' must be an http\(s\) URL"),
    ],
)
def test_a_malformed_row_fails_naming_its_row_and_field(row_index: int, change: dict[str, Any], message: str) -> None:
    edited = rows()
    edited[row_index] |= change
    with pytest.raises(curated.CuratedRowError, match=message):
        curated.parse(dump(edited))


def test_two_rows_for_one_series_point_are_rejected() -> None:
    edited = rows()
    edited.append(dict(edited[1], value=650))
    with pytest.raises(curated.CuratedRowError, match=r"row 4 \(killed_cumulative\): .* as row 2"):
        curated.parse(dump(edited))


def test_a_key_given_twice_in_a_row_is_rejected() -> None:
    text = FIGURES.read_text().replace("  value: 600\n", "  value: 600\n  value: 6000\n")
    with pytest.raises(ValueError, match="'value' appears twice"):
        curated.parse(text.encode())


def test_the_file_must_be_a_list_of_rows() -> None:
    with pytest.raises(ValueError, match="must be a YAML list"):
        curated.parse(b"metric: killed_cumulative\n")
    with pytest.raises(ValueError, match="row 1: a row must be a mapping"):
        curated.parse(b"- just text\n")


def test_load_document_reads_the_file_without_the_network(tmp_path: Path) -> None:
    copy = tmp_path / "figures.yaml"
    copy.write_bytes(FIGURES.read_bytes())
    document = curated.load_document(copy)
    assert (document.source, document.url, document.body) == ("curated", copy.as_uri(), FIGURES.read_bytes())
    [discovered] = curated.discover(None, copy.as_uri())
    assert discovered.body == document.body


def test_read_keeps_the_good_rows_and_returns_each_bad_row_with_its_line_and_reason() -> None:
    edited = rows()
    edited[1]["unit"] = "count"  # row 2
    edited.append(dict(edited[2], value=4800))  # row 4: the same series point as row 3
    body = dump(edited)
    reading = curated.read(body, sha256="f00d")

    assert sorted(o.metric for o in reading.observations) == ["casualties_cumulative", "troops_deployed"]
    wrong_unit, repeated = reading.unread
    line = body.decode().splitlines().index("- metric: killed_cumulative") + 1
    assert wrong_unit.reason == (f"curated row 2 (killed_cumulative): field 'unit' must be 'persons' for "
                                 f"killed_cumulative, got 'count' (line {line})")
    assert wrong_unit.quote.startswith("- metric: killed_cumulative") and "unit: count" in wrong_unit.quote
    assert (wrong_unit.metric, wrong_unit.value, wrong_unit.document_sha256) == ("killed_cumulative", 600.0, "f00d")
    assert wrong_unit.published_at == date(2025, 4, 30)
    assert repeated.reason.startswith("curated row 4 (casualties_cumulative): same metric, subject, period and "
                                      "assessment as row 3 (line ")
    assert reading.coverage == 2 / 4


def test_a_file_nested_too_deep_is_refused_with_a_reason_not_a_recursion_error() -> None:
    with pytest.raises(ValueError, match="nests too deep"):
        curated.read(b"- " + b"[" * 5000 + b"]" * 5000 + b"\n")


def test_a_400_digit_value_is_an_unread_row_not_an_overflow_error() -> None:
    body = FIGURES.read_bytes().replace(b"  value: 600\n", b"  value: 1" + b"0" * 400 + b"\n")
    reading = curated.read(body)
    assert len(reading.observations) == 2
    [unread] = reading.unread
    assert "row 2 (killed_cumulative): field 'value' must be a plain number" in unread.reason
    assert unread.value is None


def test_every_row_of_the_real_curated_file_is_read() -> None:
    reading = curated.read(CURATED_FILE.read_bytes())
    rows = CURATED_FILE.read_text().count("\n- metric: ")
    assert (len(reading.observations), reading.unread) == (rows, [])
    afp = [o for o in reading.observations if o.quote.startswith("AFP: ")]
    # AFP's monthly sums: one calendar month each, never filed under ISW.
    assert len(afp) == 20 and {o.source for o in afp} == {"curated"}
    assert all(o.period_start.day == 1 and (o.period_end + timedelta(days=1)).day == 1 for o in afp)
