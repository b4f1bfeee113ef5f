"""Add the generated reports to the ISW demo archive: ISW's monthly figures of 2025 that no hand-edited
sample carries, each in a report of its own published early in the following month, as ISW does.

    .venv/bin/python -m samples.isw.build          # from the repository root

The pages are made by the benchmark's generator (bench/generate_isw_archive.py): the chrome of a sample
report of the layout, narrative drawn from the hand-edited samples, and the figure sentences below,
which are ours (the figures are ISW's; samples/README.md says where each comes from). The script
writes each report, lists it in post-sitemap2.xml and the report listing, and puts its entry in
expected.json. It is deterministic: running it again rewrites the same bytes.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench.generate_isw_archive import HOST, build_report, load_material

ARCHIVE = Path(__file__).resolve().parent
SITE = ARCHIVE / "site"
EXPECTED = ARCHIVE / "expected.json"
SITEMAP = SITE / "post-sitemap2.xml"  # the 2025 posts
SITEMAP_INDEX = SITE / "sitemap_index.xml"
LISTING = SITE / "research" / "russia-ukraine" / "index.html"
PAGE_BYTES = 30_000  # the hand-edited samples are 17-40 KB


@dataclass(frozen=True)
class Report:
    published: date
    layout: str  # "drupal" or "wordpress" (2025: both sites were live)
    sentences: tuple[str, ...]
    observations: tuple[dict[str, object], ...]  # what a correct parser reads from the sentences


def gained(value: float, start: str, end: str) -> dict[str, object]:
    return {"metric": "territory_gained", "value": value, "unit": "km2", "period_start": start,
            "period_end": end, "qualifier": "exact", "assessment": "assessed"}


REPORTS = (
    Report(date(2025, 2, 4), "drupal",
           ("Russian forces gained 427 square kilometers in January 2025, according to ISW's assessment of "
            "geolocated footage.",),
           (gained(427.0, "2025-01-01", "2025-01-31"),)),
    Report(date(2025, 5, 6), "wordpress",
           ("Russian forces gained 1,627 square kilometers from January through April 2025, compared with "
            "2,950 square kilometers from September through December 2024.",),
           (gained(1627.0, "2025-01-01", "2025-04-30"), gained(2950.0, "2024-09-01", "2024-12-31"))),
    Report(date(2025, 7, 2), "wordpress",
           ("ISW assesses that Russian forces gained 465.8 square kilometers in June 2025.",),
           (gained(465.8, "2025-06-01", "2025-06-30"),)),
    Report(date(2025, 8, 4), "wordpress",
           ("ISW assesses that Russian forces gained 445.88 square kilometers in July 2025.",),
           (gained(445.88, "2025-07-01", "2025-07-31"),)),
    Report(date(2025, 9, 3), "wordpress",
           ("Russian forces gained 499.43 square kilometers in August 2025, the largest monthly gain since "
            "the spring.",),
           (gained(499.43, "2025-08-01", "2025-08-31"),)),
)


def relative_path(url_path: str) -> str:
    return url_path.lstrip("/") + ("index.html" if url_path.endswith("/") else "")


def main() -> None:
    # A file a previous build wrote is not material for this one.
    material = load_material(SITE, skip=frozenset(SITE / relative_path(p) for p in _generated_paths()))
    entries = []
    for report in REPORTS:
        rng = random.Random(f"samples:{report.published.isoformat()}")
        layout, url_path, html, observations = build_report(
            material, rng, report.published, "", layout=report.layout,
            figures=(list(report.sentences), [dict(o) for o in report.observations]), size=PAGE_BYTES)
        path = relative_path(url_path)
        (SITE / path).parent.mkdir(parents=True, exist_ok=True)
        (SITE / path).write_text(html, encoding="utf-8")
        entries.append({"path": path.removesuffix("/index.html"), "url_path": url_path, "layout": layout,
                        "published": report.published.isoformat(), "data_cutoff": report.published.isoformat(),
                        "observations": observations})
        print(f"{report.published} {layout:9} {path}")
    _write_expected(entries)
    _list_in_sitemap([(e["url_path"], date.fromisoformat(e["published"])) for e in entries])
    _list_in_listing([(e["url_path"], date.fromisoformat(e["published"])) for e in entries])


def _generated_paths() -> list[str]:
    """URL paths of the reports this script writes (from expected.json, where it filed them)."""
    if not EXPECTED.exists():
        return []
    built = {r.published.isoformat() for r in REPORTS}
    return [e["url_path"] for e in json.loads(EXPECTED.read_text(encoding="utf-8")) if e["published"] in built]


def _write_expected(entries: list[dict[str, object]]) -> None:
    by_path = {e["path"]: e for e in json.loads(EXPECTED.read_text(encoding="utf-8"))}
    by_path.update({str(e["path"]): e for e in entries})
    ordered = sorted(by_path.values(), key=lambda e: (str(e["published"]), str(e["path"])))
    EXPECTED.write_text(json.dumps(ordered, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


URL_ENTRY = re.compile(r"\t<url>\n\t\t<loc>(?P<loc>[^<]+)</loc>\n\t\t<lastmod>(?P<lastmod>[^<]+)</lastmod>\n\t</url>\n")


def _list_in_sitemap(reports: list[tuple[str, date]]) -> None:
    """Each report in post-sitemap2.xml (lastmod: the night after publication), in lastmod order, and
    the sitemap index's lastmod moved to the newest entry."""
    text = SITEMAP.read_text(encoding="utf-8")
    entries = {m["loc"]: m["lastmod"] for m in URL_ENTRY.finditer(text)}
    entries.update({f"{HOST}{url_path}": f"{published.isoformat()}T23:40:00+00:00" for url_path, published in reports})
    first = URL_ENTRY.search(text)
    assert first is not None, f"{SITEMAP} has no <url> entries"
    head, tail = text[: first.start()], text[text.rindex("</urlset>"):]
    urls = "".join(f"\t<url>\n\t\t<loc>{loc}</loc>\n\t\t<lastmod>{lastmod}</lastmod>\n\t</url>\n"
                   for loc, lastmod in sorted(entries.items(), key=lambda item: item[1]))
    SITEMAP.write_text(head + urls + tail, encoding="utf-8")
    index = SITEMAP_INDEX.read_text(encoding="utf-8")
    newest = max(entries.values())
    index = re.sub(r"(post-sitemap2\.xml</loc>\n\t\t<lastmod>)[^<]+", rf"\g<1>{newest}", index)
    SITEMAP_INDEX.write_text(index, encoding="utf-8")


CARD = """<article class="research-card post type-post category-russia-ukraine">
  <div class="research-card__meta"><span class="research-card__type">Assessment</span> <time datetime="{iso}">{words}</time></div>
  <h3 class="research-card__title"><a href="{url}">Russian Offensive Campaign Assessment, {words}</a></h3>
  <p class="research-card__excerpt">Daily assessment of the fighting in Ukraine and Russia, {words}.</p>
</article>
"""  # noqa: E501  (one line per element, as the listing has them)
CARD_PATTERN = re.compile(r'<article class="research-card[^"]*">\n.*?</article>\n', re.DOTALL)
CARD_DATE = re.compile(r'<time datetime="(\d{4}-\d{2}-\d{2})">')


def _list_in_listing(reports: list[tuple[str, date]]) -> None:
    """Each report as a card of the listing (newest first), as the site's fallback for discovery."""
    text = LISTING.read_text(encoding="utf-8")
    cards = CARD_PATTERN.findall(text)
    assert cards, f"{LISTING} has no report cards"
    new_urls = {f"{HOST}{url_path}" for url_path, _ in reports}
    kept = [card for card in cards if not any(f'href="{url}"' in card for url in new_urls)]
    for url_path, published in reports:
        words = f"{published:%B} {published.day}, {published.year}"
        card = CARD.format(iso=published.isoformat(), words=words, url=f"{HOST}{url_path}")
        # Before the first older card: the listing is newest first (the hand-made cards stay as they are).
        older = [i for i, other in enumerate(kept) if _card_date(other) < published.isoformat()]
        kept.insert(older[0] if older else len(kept), card)
    start, end = text.index(cards[0]), text.rindex(cards[-1]) + len(cards[-1])
    LISTING.write_text(text[:start] + "".join(kept) + text[end:], encoding="utf-8")


def _card_date(card: str) -> str:
    found = CARD_DATE.search(card)
    return found[1] if found else ""


if __name__ == "__main__":
    main()
