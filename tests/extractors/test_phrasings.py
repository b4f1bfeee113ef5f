"""The phrasing corpus (tests/extractors/phrasings.yaml): each sentence read by the real reader.

Every entry is a sentence or short paragraph of our own, written the way ISW reports or UK MoD
Defence Intelligence updates put their figures, with the bulletin's date and the observations a
careful analyst reads in it (issue 10 §3, DESIGN.md §4). One test per entry, named by its `id`, so a
failure names the sentence.

What is compared, for each expected observation (the lists are matched as wholes, not in order):
metric, period_start/period_end, value (within 0.01), assessment (default `assessed`), subject
(default `RU`) and qualifier (default `exact`); value_low/value_high when given (else both must be
empty, unless the qualifier is `range`, which must give them); confidence when given. The number of
observations must be the same: an empty `expect` means nothing may be read. `unread: N`, when
given, is the number of unread candidates the reader must report.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from extractors import isw
from extractors.catalogue import ASSESSMENTS, METRICS, QUALIFIERS, SUBJECTS
from extractors.observation import Observation, Reading
from extractors.reading.periods import When
from extractors.reading.reader import Provenance, read_paragraphs
from extractors.ukmod.text import read_update_text

CORPUS = Path(__file__).with_name("phrasings.yaml")
ENTRIES: list[dict[str, Any]] = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))

# The phrasing classes issue 10 §3 names (each needs at least three variants); entries may also
# belong to classes of our own (listed in the YAML's header).
REQUIRED_CLASSES = (
    "month_list", "month_span", "figure_list", "respectively", "same_period", "carried_context",
    "relative_past", "so_far", "since_when", "since_date", "year_not_figure", "single_day", "forecast",
    "claims", "ocr_glue", "units", "qualifiers", "cumulative", "per_km2", "quarter_half_year",
    "month_no_year", "negatives",
)  # fmt: skip
ENTRY_KEYS = {"id", "class", "source", "published", "text", "expect", "unread", "debatable", "why"}
EXPECT_KEYS = {"metric", "start", "end", "value", "low", "high", "qualifier", "assessment", "subject", "confidence"}
VALUE_TOLERANCE = 0.01


def read_entry(entry: dict[str, Any]) -> Reading:
    """What the real reader makes of an entry's text, as its source's parser calls it."""
    published = _date(entry["published"])
    text = entry["text"]
    if entry["source"] == "ukmod":
        return read_update_text(text, published=published, parser_version="t")
    paragraphs = [(None, paragraph) for paragraph in text.split("\n\n")]
    return read_paragraphs(paragraphs, isw.VOICE, Provenance(When(published)))


def mismatch(entry: dict[str, Any], reading: Reading) -> str | None:
    """Why the reading differs from the entry's expectation, or None when it matches."""
    expected = sorted((_expected(e) for e in entry["expect"]), key=_order)
    found = sorted(reading.observations, key=_order)
    problems: list[str] = []
    if len(expected) != len(found):
        problems.append(f"expected {len(expected)} observation(s), read {len(found)}")
    else:
        for want, got in zip(expected, found, strict=True):
            problems += [f"{show(got)}: {p}" for p in _differences(want, got)]
    if "unread" in entry and len(reading.unread) != entry["unread"]:
        problems.append(f"expected {entry['unread']} unread candidate(s), reported {len(reading.unread)}")
    if not problems:
        return None
    lines = [*problems, "expected: " + (", ".join(show(e) for e in expected) or "nothing")]
    lines.append("read:     " + (", ".join(show(o) for o in found) or "nothing"))
    lines += [f"unread:   {u.reason} (value {u.value})" for u in reading.unread]
    return "\n".join(lines)


def show(item: dict[str, Any] | Observation) -> str:
    """One observation (read or expected) on one line."""
    if isinstance(item, Observation):
        item = {
            "metric": item.metric,
            "start": item.period_start,
            "end": item.period_end,
            "value": item.value,
            "low": item.value_low,
            "high": item.value_high,
            "qualifier": item.qualifier,
            "assessment": item.assessment,
            "subject": item.subject,
            "confidence": item.confidence,
        }
    bounds = f" [{item['low']:g}..{item['high']:g}]" if item.get("low") is not None else ""
    extras = "".join(f" {item[k]}" for k in ("qualifier", "assessment", "subject") if item.get(k))
    sure = f" ({item['confidence']})" if item.get("confidence") else ""
    return f"{item['metric']} {item['start']}..{item['end']} = {item['value']:g}{bounds}{extras}{sure}"


def _expected(raw: dict[str, Any]) -> dict[str, Any]:
    want = {"qualifier": "exact", "assessment": "assessed", "subject": "RU", **raw}
    want["start"], want["end"] = _date(want["start"]), _date(want["end"])
    return want


def _order(item: dict[str, Any] | Observation) -> tuple[Any, ...]:
    if isinstance(item, Observation):
        return (item.metric, item.period_start, item.period_end, item.assessment, item.subject, item.value)
    return (item["metric"], item["start"], item["end"], item["assessment"], item["subject"], item["value"])


def _differences(want: dict[str, Any], got: Observation) -> list[str]:
    problems = []
    pairs = [
        ("metric", got.metric),
        ("start", got.period_start),
        ("end", got.period_end),
        ("qualifier", got.qualifier),
        ("assessment", got.assessment),
        ("subject", got.subject),
    ]
    problems += [f"{name} is {actual!r}, expected {want[name]!r}" for name, actual in pairs if actual != want[name]]
    if abs(got.value - float(want["value"])) > VALUE_TOLERANCE:
        problems.append(f"value is {got.value:g}, expected {want['value']:g}")
    for name, actual in (("low", got.value_low), ("high", got.value_high)):
        wanted = want.get(name)
        if wanted is None and actual is not None:
            problems.append(f"{name} is {actual:g}, expected none")
        elif wanted is not None and (actual is None or abs(actual - float(wanted)) > VALUE_TOLERANCE):
            problems.append(f"{name} is {actual}, expected {wanted:g}")
    if "confidence" in want and got.confidence != want["confidence"]:
        problems.append(f"confidence is {got.confidence!r}, expected {want['confidence']!r}")
    if got.unit != METRICS[want["metric"]]:
        problems.append(f"unit is {got.unit!r}, expected {METRICS[want['metric']]!r}")
    return problems


def _date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


@pytest.mark.parametrize("entry", [pytest.param(e, id=e["id"]) for e in ENTRIES])
def test_phrasing(entry: dict[str, Any]) -> None:
    problem = mismatch(entry, read_entry(entry))
    if problem is not None:
        pytest.fail(f"{entry['text']!r} (published {entry['published']})\n{problem}", pytrace=False)


def test_every_entry_is_well_formed() -> None:
    """A typo in the corpus (a metric that is not in the catalogue, a range without bounds, an
    `expect` that is not a list) must fail loudly, not silently test nothing."""
    ids = Counter(entry["id"] for entry in ENTRIES)
    assert not [i for i, n in ids.items() if n > 1], "duplicate ids"
    for entry in ENTRIES:
        where = entry.get("id", entry)
        assert set(entry) <= ENTRY_KEYS, f"{where}: unknown keys {set(entry) - ENTRY_KEYS}"
        assert {"id", "class", "source", "published", "text", "expect"} <= set(entry), f"{where}: missing keys"
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", entry["id"]), f"{where}: id is not a slug"
        assert entry["source"] in ("isw", "ukmod"), where
        assert isinstance(_date(entry["published"]), date), where
        assert isinstance(entry["text"], str) and entry["text"].strip(), where
        assert isinstance(entry["expect"], list), where
        assert not entry.get("debatable") or entry.get("why"), f"{where}: a debatable entry says why"
        for want in entry["expect"]:
            assert {"metric", "start", "end", "value"} <= set(want) <= EXPECT_KEYS, f"{where}: {want}"
            assert want["metric"] in METRICS, f"{where}: {want['metric']}"
            assert _date(want["start"]) <= _date(want["end"]), f"{where}: period runs backwards"
            assert want.get("qualifier", "exact") in QUALIFIERS, where
            assert want.get("assessment", "assessed") in ASSESSMENTS, where
            assert want.get("subject", "RU") in SUBJECTS, where
            if want.get("qualifier") == "range":
                assert want["low"] <= want["value"] <= want["high"], f"{where}: a range gives its bounds"


def test_the_corpus_covers_what_issue_10_asks() -> None:
    """At least 250 entries, both sources, British and US spelling, every class with three or more
    variants, and at least 40 entries that must yield nothing."""
    assert len(ENTRIES) >= 250
    sources = Counter(entry["source"] for entry in ENTRIES)
    assert sources["isw"] >= 80 and sources["ukmod"] >= 80, sources
    texts = [entry["text"] for entry in ENTRIES]
    assert sum("kilometres" in t or "sq km" in t for t in texts) >= 20, "British spelling"
    assert sum("kilometers" in t for t in texts) >= 20, "US spelling"
    classes = Counter(entry["class"] for entry in ENTRIES)
    thin = {name: classes[name] for name in REQUIRED_CLASSES if classes[name] < 3}
    assert not thin, f"classes with fewer than 3 variants: {thin}"
    assert sum(1 for entry in ENTRIES if entry["expect"] == []) >= 40
    assert classes["negatives"] >= 40
    assert {entry["source"] for entry in ENTRIES if entry["class"] == "negatives"} == {"isw", "ukmod"}
