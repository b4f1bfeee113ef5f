"""Fuzzing the parsers: thousands of mutated documents, and the only thing that may escape `read` is
the project's own read error (a ValueError naming the problem), in bounded time per document.

The seeds are our own fixture and sample documents of every shape a source reads (HTML of three
layouts, text, Markdown; X API pages, RSS feeds, update texts; General Staff API pages). Mutations
are the damage real transfers and real upstreams produce: bytes flipped, dropped or doubled, the
document cut short, spliced into itself, characters of other encodings, NUL bytes, deep nesting,
huge numbers, tags and entities. The random generator is seeded: a failure is replayed by its id.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from extractors import genstaff, isw, ukmod
from extractors.observation import Reading
from samples.genstaff.api import STATISTICS_PATH, api_response, load_days

ROOT = Path(__file__).resolve().parents[2]
ISW_FIXTURES = Path(__file__).parent / "fixtures" / "isw"
MUTANTS_PER_SOURCE = 1_500
SLOWEST_ALLOWED_S = 5.0
PUBLISHED = date(2025, 4, 1)

_INSERTS = (
    b"\x00", b"\xff\xfe", b"\xe2\x80", b"<", b">", b"&", b"&amp;", b"&#x1F600;", b"]]>", b"<!--", b"-->", b"\\",
    b"{", b"}", b"[", b"]", b'"', b",", b":", b"\n\n", b"\r", b"\t", b" 9" * 20, b"9" * 400, b"-1e999", b"NaN",
    b"<p>", b"</div>", b"<script>", b"<![CDATA[", b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>", b"&a;", b"[" * 2000,
    b"square kilometers", b" casualties", b" per day", b" since the start of 2025", b" in March", b" 1,2711",
    b"\xc3\x28", b"\xa0", b"\xe2\x80\x93",
)


def _mutate(rng: random.Random, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(rng.randint(1, 6)):
        if not data:
            data += rng.choice(_INSERTS)
            continue
        at = rng.randrange(len(data))
        action = rng.randrange(7)
        if action == 0:
            data[at] = rng.randrange(256)
        elif action == 1:
            del data[at : at + rng.randint(1, 64)]
        elif action == 2:
            data[at:at] = rng.choice(_INSERTS)
        elif action == 3:
            data = data[: rng.randint(0, len(data))]  # a truncated transfer
        elif action == 4:
            start = rng.randrange(len(data))
            data[at:at] = data[start : start + rng.randint(1, 400)]  # a piece spliced in again
        elif action == 5:
            data[at : at + 1] = data[at : at + 1] * rng.randint(2, 50)
        else:
            encoding = rng.choice(("utf-16", "latin-1", "utf-8"))  # the same text in another encoding
            data = bytearray(data.decode("utf-8", "replace").encode(encoding, "replace"))
    return bytes(data)


def _seeds(paths: list[Path]) -> list[bytes]:
    seeds = [p.read_bytes() for p in paths if p.is_file()]
    assert seeds, f"no seed documents found among {paths}"
    return seeds


def _genstaff_seeds() -> list[bytes]:
    """API answers as the loopback stand-in serves them: one day, and a listing page."""
    days = load_days()[:120]
    return [api_response(path, days)[1] for path in (
        f"{STATISTICS_PATH}/latest", f"{STATISTICS_PATH}/{days[3]['date']}", f"{STATISTICS_PATH}?offset=0&limit=50",
    )]


SOURCES: dict[str, tuple[Callable[..., Reading], list[bytes]]] = {
    "isw": (isw.read, _seeds([
        *sorted(ISW_FIXTURES.glob("*.html")), *sorted((ISW_FIXTURES / "three_forms").glob("*")),
    ])),
    "ukmod": (ukmod.read, _seeds([
        ROOT / "samples/ukmod/timeline/posts.json", ROOT / "samples/ukmod/rss/DefenceHQ.xml",
        *sorted((ROOT / "samples/ukmod/images").glob("*.txt")),
    ])),
    "genstaff": (genstaff.read, _genstaff_seeds()),
}


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_mutated_documents_raise_only_the_read_error_and_stay_fast(source: str) -> None:
    read, seeds = SOURCES[source]
    rng = random.Random(f"fuzz-{source}")
    outcomes: Counter[str] = Counter()
    slowest = 0.0
    for number in range(MUTANTS_PER_SOURCE):
        body = _mutate(rng, rng.choice(seeds))
        started = time.perf_counter()
        try:
            read(body, url="https://example.org/doc", published=PUBLISHED)
        except ValueError:
            outcomes["refused with a reason"] += 1
        except Exception as error:  # what the test is about: anything but the read error
            pytest.fail(f"{source} mutant {number}: {type(error).__name__} escaped read(): {error!r:.300}")
        else:
            outcomes["read"] += 1
        elapsed = time.perf_counter() - started
        slowest = max(slowest, elapsed)
        assert elapsed < SLOWEST_ALLOWED_S, f"{source} mutant {number} took {elapsed:.1f} s"
    print(f"\n{source}: {dict(outcomes)}; slowest {slowest * 1000:.0f} ms")
    # Both outcomes occur: the mutations reach the parser's error paths and its reading paths.
    assert outcomes["read"] > 0 and outcomes["refused with a reason"] > 0
