"""Benchmark: how long `parse` takes per document, beside a floor measured in the same run.

Two measurements, both pure parsing (no warehouse, no Prefect, no GX):

1. ISW reports of realistic size (bench/generate_isw_archive.py, ~150 KB each): ms per report
   with the project's parser, beside raw lxml parsing of the same bytes (the floor: every parse
   starts with it) and a single regex pass over the page's text.
2. The parse-time curve: one document grown from 10 KB to just under 1 MB, per source (an ISW page of
   repeated paragraphs, an ISW page holding one very long sentence, a MoD text update), so a
   parser that grows faster than linearly shows as a ratio that climbs with the size.

    .venv/bin/python bench/bench_parse.py [--count 100] [--max-kb 1024]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lxml import etree

from bench.generate_isw_archive import generate
from extractors import isw, ukmod
from extractors.reading.reader import DocumentTooLarge

PUBLISHED = date(2025, 4, 1)
_PARAGRAPH = (
    "Russian forces recently advanced near Pokrovsk and attacked toward Kurakhove on March 30. "
    "ISW assesses that Russian forces gained 203 square kilometers in March 2025, averaging roughly "
    "6.5 square kilometers per day, and suffered about 35,000 casualties over the same period."
)
_MOD_PARAGRAPH = (
    "Russia has likely suffered approximately 950,000 casualties since February 2022. Russian forces "
    "likely gained 143 sq km in March 2025, an average of less than 5 square kilometres per day."
)


def best_of(repeats: int, work: Callable[[], object]) -> float:
    """The fastest of `repeats` runs, in seconds of this process's CPU time: the least disturbed by
    the rest of the machine (the floor is measured the same way, in the same run)."""
    times = []
    for _ in range(repeats):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return min(times)


def isw_reports(count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bulletins-bench-parse-") as tmp:
        pages = [p.read_bytes() for p in generate(Path(tmp), count=count, seed=0) if p.suffix != ".xml"]
    size_kb = sum(len(p) for p in pages) / len(pages) / 1000
    parser = etree.HTMLParser(no_network=True, recover=True)
    texts = [" ".join(etree.fromstring(p, parser).itertext()) for p in pages]
    words = re.compile(r"\d[\d,.]*\s+(?:square|sq|km|casualt)\w*", re.IGNORECASE)

    floor = best_of(3, lambda: [etree.fromstring(p, parser) for p in pages]) / len(pages)
    regex = best_of(3, lambda: [words.findall(t) for t in texts]) / len(pages)
    ours = best_of(3, lambda: [isw.parse(p, published=PUBLISHED) for p in pages]) / len(pages)
    print(f"ISW reports: {len(pages)} pages, {size_kb:.0f} KB each on average")
    print(f"  raw lxml parse (floor)   {floor * 1000:7.2f} ms/page")
    print(f"  one regex pass over text {regex * 1000:7.2f} ms/page")
    print(f"  isw.parse                {ours * 1000:7.2f} ms/page  ({ours / floor:.1f}x the floor)")


def curve(max_kb: int) -> None:
    # Up to just under the reader's cap (MAX_DOCUMENT_CHARS): a longer document is refused, not read.
    sizes = [kb for kb in (10, 40, 160, 640, 960) if kb <= max_kb]
    shapes: dict[str, Callable[[int], bytes]] = {
        "isw paragraphs": lambda kb: _html(_repeat(_PARAGRAPH + " ", kb), paragraphs=True),
        "isw one sentence": lambda kb: _html(_repeat(_PARAGRAPH.replace(". ", ", and ") + ", and ", kb),
                                             paragraphs=False),
        "ukmod text": lambda kb: _repeat(_MOD_PARAGRAPH + "\n\n", kb).encode(),
        "ukmod one paragraph": lambda kb: _repeat(_MOD_PARAGRAPH + " ", kb).encode(),
        "ukmod one sentence": lambda kb: _repeat(_MOD_PARAGRAPH.replace(". ", ", and ") + ", and ", kb).encode(),
    }
    parsers: dict[str, Callable[[bytes], object]] = {
        "isw paragraphs": lambda body: isw.parse(body, published=PUBLISHED),
        "isw one sentence": lambda body: isw.parse(body, published=PUBLISHED),
        "ukmod text": lambda body: ukmod.parse(body, published=PUBLISHED),
        "ukmod one paragraph": lambda body: ukmod.parse(body, published=PUBLISHED),
        "ukmod one sentence": lambda body: ukmod.parse(body, published=PUBLISHED),
    }
    print("parse-time curve (seconds; 'per KB' should stay flat for a linear parser):")
    print(f"  {'document':20} " + " ".join(f"{kb:>9} KB" for kb in sizes))
    for name, make in shapes.items():
        cells = []
        for kb in sizes:
            body = make(kb)
            seconds = best_of(1 if kb > 200 else 3, lambda body=body, name=name: parsers[name](body))
            cells.append(f"{seconds:8.3f} s")
        per_kb = [float(c.split()[0]) / kb * 1000 for c, kb in zip(cells, sizes, strict=True)]
        print(f"  {name:20} " + " ".join(cells))
        print(f"  {'  ms per KB':20} " + " ".join(f"{v:10.2f}" for v in per_kb))


def refused(kb: int = 1500) -> None:
    body = _repeat(_MOD_PARAGRAPH + "\n\n", kb).encode()
    started = time.process_time()
    try:
        ukmod.parse(body, published=PUBLISHED)
    except DocumentTooLarge as error:
        print(f"a {kb} KB update: refused in {time.process_time() - started:.3f} s ({error})")


def _repeat(unit: str, kb: int) -> str:
    return unit * max(1, kb * 1000 // len(unit))


def _html(text: str, *, paragraphs: bool) -> bytes:
    body = "".join(f"<p>{chunk}</p>" for chunk in text.split("\n")) if paragraphs else f"<p>{text}</p>"
    if paragraphs:
        body = "".join(f"<p>{_PARAGRAPH}</p>" for _ in range(max(1, len(text) // len(_PARAGRAPH))))
    return f"<html><body><div class='entry-content'>{body}</div></body></html>".encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--max-kb", type=int, default=960)
    args = parser.parse_args()
    isw_reports(args.count)
    curve(args.max_kb)
    refused()


if __name__ == "__main__":
    main()
