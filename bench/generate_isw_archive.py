"""Write a synthetic ISW archive for the benchmark: ~150 KB reports in the three layouts, plus sitemaps.

The reports are built from the demo archive in samples/isw/site: each layout's page chrome is taken
from a sample report, and the narrative paragraphs, key takeaways, section titles and endnote URLs are
drawn from all samples, renumbered and re-dated. Only the figure sentences are written here, so the
benchmark knows exactly which observations each report carries (manifest.json).

    python bench/generate_isw_archive.py OUT_DIR [--count 1000] [--seed 0]

OUT_DIR is laid out like the samples (URL path P -> OUT_DIR/P, "P/" -> OUT_DIR/P/index.html).
Deterministic for a seed; writes files only (no network).
"""

from __future__ import annotations

import argparse
import json
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

SAMPLE_SITE = Path(__file__).resolve().parent.parent / "samples" / "isw" / "site"
SQ_MI_TO_KM2 = 2.589988
HOST = "https://understandingwar.org"
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
FIRST_DAY, LAST_DAY = date(2023, 1, 1), date(2025, 12, 31)
URLS_PER_SITEMAP = 400


@dataclass(frozen=True)
class Template:
    """A sample report whose chrome wraps generated bodies: the body lies between the two markers."""

    layout: str
    path: str
    body_start: str
    body_end: str
    published: date


TEMPLATES = (
    Template("drupal", "backgrounder/russian-offensive-campaign-assessment-march-31-2025",
             'property="content:encoded">', "</div></div></div>", date(2025, 3, 31)),
    Template("criticalthreats", "analysis/russian-offensive-campaign-assessment-april-3-2025",
             '<div class="analysis-body rich-text">', "</div>\n  </section>", date(2025, 4, 3)),
    Template("wordpress", "research/russia-ukraine/russian-offensive-campaign-assessment-april-1-2025/index.html",
             '<div class="entry-content">', "</div><!-- .entry-content -->", date(2025, 4, 1)),
    Template("wordpress", "research/russia-ukraine/russian-offensive-campaign-assessment-june-2-2025/index.html",
             '<div class="wp-block-group research-body is-layout-constrained wp-block-group-is-layout-constrained">',
             '</div>\n<div class="wp-block-group related-research', date(2025, 6, 2)),
    Template("wordpress", "research/russia-ukraine/russian-offensive-campaign-assessment-july-15-2025/index.html",
             '<div class="single-research__content post-content">', "</div>\n</article>", date(2025, 7, 15)),
)

FOOTNOTE = re.compile(
    r'<a href="#_edn\d+" (?:name|id)="_ednref\d+">\[\w+\]</a>|<sup>\[\w+\]</sup>|\[(?:\d+|[ivxlcdm]+)\]'
)
FIGURE_WORDS = re.compile(r"square (?:kilometer|mile)|km2|km²|casualties", re.IGNORECASE)
MONTH_DAY = re.compile(r"\b(?:" + "|".join(MONTHS) + r") \d{1,2}\b")
SPECIAL_HEADINGS = {"Toplines", "Key Takeaways", "Endnotes", "Analyst Notes", "Related Research"}


@dataclass
class Material:
    """What the samples give us: chrome per template, and pools of text to draw from."""

    chrome: dict[str, tuple[str, str, Template]]  # template path -> (before body, after body, template)
    headers: dict[str, str]  # template path -> the body's header lines (old layouts only)
    paragraphs: list[str]  # inner HTML with '^' where a footnote goes
    takeaways: list[str]
    headings: list[str]
    endnote_urls: list[str]


def _split(html: str, template: Template) -> tuple[str, str, str]:
    start = html.find(template.body_start)
    end = html.find(template.body_end, start + 1)
    if start < 0 or end < 0:
        raise ValueError(f"{template.path}: body markers not found; was the sample's markup changed?")
    start += len(template.body_start)
    return html[:start], html[start:end], html[end:]


def load_material(sample_site: Path = SAMPLE_SITE, skip: frozenset[Path] = frozenset()) -> Material:
    """The chrome and text pools of the sample reports, less the files in `skip` (reports that were
    themselves generated from this material: drawing from them would change the pools on every build)."""
    chrome: dict[str, tuple[str, str, Template]] = {}
    headers: dict[str, str] = {}
    bodies: list[str] = []
    for template in TEMPLATES:
        before, body, after = _split((sample_site / template.path).read_text(encoding="utf-8"), template)
        chrome[template.path] = (before, after, template)
        if template.layout != "wordpress":
            # Authors, date line, map links and the data cut-off note: everything up to the note's end.
            headers[template.path] = body[: body.index("</p>", body.index("data cut-off")) + len("</p>")]
    for report in sorted(list(sample_site.glob("backgrounder/russian-offensive-*"))
                         + list(sample_site.glob("analysis/russian-offensive-*"))
                         + list(sample_site.glob("research/russia-ukraine/russian-offensive-*/index.html"))):
        if report not in skip:
            bodies.append(report.read_text(encoding="utf-8"))
    paragraphs: list[str] = []
    takeaways: list[str] = []
    headings: list[str] = []
    urls: list[str] = []
    for html in bodies:
        for inner in re.findall(r"<p>(.*?)</p>", html, flags=re.DOTALL):
            # Narrative only: not a figure sentence, nor a block of endnotes (their URLs).
            if len(inner) > 200 and FOOTNOTE.search(inner) and not FIGURE_WORDS.search(inner) and "://" not in inner:
                paragraphs.append(FOOTNOTE.sub("^", inner))
        for block in re.findall(r"<ul(?: class=\"wp-block-list\")?>(.*?)</ul>", html, flags=re.DOTALL):
            takeaways += re.findall(r"<li>(.*?)</li>", block)
        headings += [h for h in re.findall(r'<h2 class="wp-block-heading"[^>]*>(.*?)</h2>', html)
                     if h not in SPECIAL_HEADINGS]
        urls += re.findall(r"\[\w+\] (https://[^\s<]+)", html)
    if not (paragraphs and takeaways and headings and urls):
        raise ValueError(f"{sample_site}: the samples yielded no material; is this the sample archive?")
    return Material(chrome, headers, sorted(set(paragraphs)), sorted(set(takeaways)), sorted(set(headings)),
                    sorted(set(urls)))


# ---------------------------------------------------------------------------------- figure sentences
def _words(d: date) -> str:
    return f"{MONTHS[d.month - 1]} {d.day}"


def _month_back(published: date, back: int) -> tuple[date, date]:
    """The whole month `back` months before the publication month."""
    end = published.replace(day=1) - timedelta(days=1)
    for _ in range(back - 1):
        end = end.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def _area_words(rng: random.Random) -> str:
    return rng.choices(["square kilometers", "km2", "km²"], weights=[75, 15, 10])[0]


def _number(value: float) -> str:
    return f"{value:,.2f}" if value != int(value) else f"{int(value):,}"


def _observation(metric: str, value: float, unit: str, start: date, end: date,
                 qualifier: str = "exact", assessment: str = "assessed") -> dict[str, object]:
    return {"metric": metric, "value": value, "unit": unit, "period_start": start.isoformat(),
            "period_end": end.isoformat(), "qualifier": qualifier, "assessment": assessment}


def _candidate(kind: str, rng: random.Random, published: date) -> tuple[list[str], list[dict[str, object]]]:
    """The sentences of one kind of figure statement and the observations they carry."""
    area = rng.uniform(120, 750)
    area = round(area, 2) if rng.random() < 0.3 else float(round(area))
    verb = rng.choice(["gained", "captured", "seized"])
    start, end = _month_back(published, 1)
    when = f"in {MONTHS[start.month - 1]} {start.year}"
    if kind == "month":
        return ([f"Russian forces {verb} {_number(area)} {_area_words(rng)} {when}."],
                [_observation("territory_gained", area, "km2", start, end)])
    if kind == "claim":
        source = rng.choice(["The Russian Ministry of Defense", "Russian Chief of the General Staff Valery Gerasimov"])
        return ([f"{source} claimed that Russian forces seized {_number(area)} {_area_words(rng)} {when}."],
                [_observation("territory_gained", area, "km2", start, end, assessment="claimed")])
    if kind == "casualties":
        casualties = float(rng.randrange(20_000, 48_000))
        per_km2 = float(round(casualties / area))
        return ([f"Russian forces {verb} {_number(area)} square kilometers {when}.",
                 f"ISW's review of Ukrainian official reporting indicates that Russian forces suffered"
                 f" {_number(casualties)} casualties {when}.",
                 f"Russian forces thus lost roughly {_number(per_km2)} casualties per square kilometer gained {when}."],
                [_observation("territory_gained", area, "km2", start, end),
                 _observation("casualties_in_period", casualties, "persons", start, end),
                 _observation("casualties_per_km2", per_km2, "persons_per_km2", start, end, qualifier="approximately")])
    if kind == "month_no_year":
        start, end = _month_back(published, 2)
        return ([f"Russian forces {verb} {_number(area)} {_area_words(rng)} in {MONTHS[start.month - 1]},"
                 " according to ISW's assessment of geolocated footage."],
                [_observation("territory_gained", area, "km2", start, end)])
    if kind == "square_miles":
        start, end = _month_back(published, 3)
        miles = rng.randrange(40, 300)
        return ([f"Russian forces {verb} about {miles} square miles in {MONTHS[start.month - 1]} {start.year}."],
                [_observation("territory_gained", round(miles * SQ_MI_TO_KM2, 6), "km2", start, end,
                              qualifier="approximately")])
    if kind == "since":
        start = published - timedelta(days=rng.randrange(20, 120))
        rate = max(1, round(area / ((published - start).days + 1)))
        return ([f"Russian forces have {verb} {_number(area)} square kilometers since {_words(start)}, {start.year},"
                 f" averaging about {rate} square kilometers per day."],
                [_observation("territory_gained", area, "km2", start, published),
                 _observation("territory_gain_rate", float(rate), "km2_per_day", start, published,
                              qualifier="approximately")])
    if kind == "year":
        year = published.year - 1
        total = float(rng.randrange(1500, 4800))
        return ([f"ISW assesses that Russian forces {verb} {_number(total)} square kilometers in {year}."],
                [_observation("territory_gained", total, "km2", date(year, 1, 1), date(year, 12, 31))])
    raise ValueError(f"unknown kind of figure statement: {kind}")


FIGURE_KINDS = ("month", "month_no_year", "since", "year", "square_miles", "casualties", "claim")


def figure_sentences(rng: random.Random, published: date) -> tuple[list[str], list[dict[str, object]]]:
    """0-4 figure sentences for a report, and the observations a correct parser reads from them.

    Publication and data cut-off are the same day in the synthetic reports, so "since" periods end
    on the publication date whichever of the two a parser uses. No two statements share a key.
    """
    budget = rng.choice([0, 0, 1, 1, 2, 2, 3, 4])
    kinds = list(FIGURE_KINDS)
    rng.shuffle(kinds)
    sentences: list[str] = []
    observations: list[dict[str, object]] = []
    keys: set[tuple[object, ...]] = set()
    for kind in kinds:
        if kind == "year" and published.month > 3:
            continue
        new_sentences, new_observations = _candidate(kind, rng, published)
        new_keys = {(o["metric"], o["period_start"], o["period_end"], o["assessment"]) for o in new_observations}
        if len(sentences) + len(new_sentences) > budget or new_keys & keys:
            continue
        sentences += new_sentences
        observations += new_observations
        keys |= new_keys
    return sentences, observations


# ---------------------------------------------------------------------------------------- reports
def _roman(n: int) -> str:
    out = ""
    for value, symbol in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
                          (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        count, n = divmod(n, value)
        out += symbol * count
    return out


def _slug(published: date, suffix: str) -> str:
    month = MONTHS[published.month - 1].lower()
    return f"russian-offensive-campaign-assessment-{month}-{published.day}-{published.year}{suffix}"


def _url_path(layout: str, slug: str) -> str:
    return {"drupal": f"/backgrounder/{slug}", "criticalthreats": f"/analysis/{slug}",
            "wordpress": f"/research/russia-ukraine/{slug}/"}[layout]


def _redate(text: str, old: date, new: date, old_slug: str, new_slug: str) -> str:
    """Move a sample's chrome or header to another date: slugs, ISO dates and dates in words."""
    old_month, new_month = MONTHS[old.month - 1], MONTHS[new.month - 1]
    replacements = [
        (old_slug, new_slug),
        (old.isoformat(), new.isoformat()),
        (f"{_words(old)}, {old.year}", f"{_words(new)}, {new.year}"),
        (f"{old_month[:3]} {old.day}, {old.year}", f"{new_month[:3]} {new.day}, {new.year}"),
        (f"{old_month}%20{old.day}%2C%20{old.year}", f"{new_month}%20{new.day}%2C%20{new.year}"),  # PDF names
    ]
    for before, after in replacements:
        text = text.replace(before, after)
    following_old, following_new = old + timedelta(days=1), new + timedelta(days=1)
    text = re.sub(rf"\b{_words(following_old)}\b", _words(following_new), text)
    return re.sub(rf"\b{_words(old)}\b", _words(new), text)


def _choose_layout(rng: random.Random, published: date) -> str:
    if published < date(2025, 1, 1):
        return rng.choices(["drupal", "criticalthreats"], weights=[80, 20])[0]
    if published < date(2025, 7, 1):
        return rng.choices(["drupal", "wordpress", "criticalthreats"], weights=[40, 40, 20])[0]
    return rng.choices(["wordpress", "criticalthreats"], weights=[80, 20])[0]


Figures = tuple[list[str], list[dict[str, object]]]  # figure sentences, the observations they carry


def build_report(material: Material, rng: random.Random, published: date, suffix: str, *,
                 layout: str | None = None, figures: Figures | None = None,
                 size: int | None = None) -> tuple[str, str, str, list]:
    """One synthetic report: (layout, url path, HTML, expected observations).

    Drawn at random unless given: the layout, the figure sentences with their observations, and the
    page's size in bytes (samples/isw/build.py gives all three for the demo archive's reports).
    """
    layout = layout or _choose_layout(rng, published)
    template_path = rng.choice([path for path, (_b, _a, t) in material.chrome.items() if t.layout == layout])
    before, after, template = material.chrome[template_path]
    old_slug = template.path.split("/")[-2 if layout == "wordpress" else -1]
    slug = _slug(published, suffix)
    endnote_urls: list[str] = []
    marker = _roman if layout == "criticalthreats" else str
    day_words = [_words(published), _words(published - timedelta(days=1))]

    def paragraph(text: str) -> str:
        text = MONTH_DAY.sub(lambda _m: rng.choice(day_words), text)
        pieces = text.split("^")
        out = [pieces[0]]
        for piece in pieces[1:]:
            endnote_urls.append(rng.choice(material.endnote_urls))
            out.append(f"[{marker(len(endnote_urls))}]{piece}")
        return "<p>" + "".join(out) + "</p>"

    if layout == "wordpress":
        heading = '<h2 class="wp-block-heading">{}</h2>'.format
    elif layout == "drupal":
        heading = "<p><strong>{}</strong></p>".format
    else:
        heading = "<h3>{}</h3>".format

    sentences, observations = figures if figures is not None else figure_sentences(rng, published)
    intro = [paragraph(rng.choice(material.paragraphs)) for _ in range(rng.randint(2, 4))]
    sections: list[tuple[str, list[str]]] = []
    target = (size or rng.randrange(140_000, 160_000)) - len(before) - len(after)
    size = sum(map(len, intro))
    headings = list(material.headings)
    rng.shuffle(headings)
    while size + 75 * len(endnote_urls) < target:
        title = headings[len(sections) % len(headings)]
        paragraphs: list[str] = []
        for _ in range(rng.randint(8, 30)):
            paragraphs.append(paragraph(rng.choice(material.paragraphs)))
            size += len(paragraphs[-1])
        sections.append((title, paragraphs))
    for sentence in sentences:
        figure = paragraph(f"{sentence}^ {rng.choice(material.paragraphs)}")
        where = intro if rng.random() < 0.5 or not sections else rng.choice(sections)[1]
        where.insert(rng.randrange(len(where) + 1), figure)

    takeaways = "\n".join(f"<li>{t}</li>" for t in rng.sample(material.takeaways, rng.randint(3, 6)))
    body: list[str] = []
    cutoff = f"{rng.randint(11, 14) % 12 or 12}:{rng.choice(['00', '15', '30', '45'])}pm ET on {_words(published)}"
    if layout == "wordpress":
        body += [heading("Toplines"), *intro,
                 heading("Key Takeaways"), f'<ul class="wp-block-list">\n{takeaways}\n</ul>']
    else:
        header = _redate(material.headers[template_path], template.published, published, old_slug, slug)
        body += [header, *intro,
                 heading("Key Takeaways:"), f"<ul>\n{takeaways}\n</ul>"]
    for title, paragraphs in sections:
        body.append(heading(title))
        body += paragraphs
    body.append(heading("Endnotes"))
    notes = [f"[{marker(n)}] {url}" for n, url in enumerate(endnote_urls, 1)]
    body += ["<p>" + "<br>\n".join(notes) + "</p>"] if layout == "wordpress" else [f"<p>{n}</p>" for n in notes]
    if layout == "wordpress":
        body += [heading("Analyst Notes"), f"<p><strong>Data Cutoff:</strong> {cutoff}, {published.year}</p>"]
    html = (_redate(before, template.published, published, old_slug, slug) + "\n" + "\n".join(body) + "\n"
            + _redate(after, template.published, published, old_slug, slug))
    return layout, _url_path(layout, slug), html, observations


SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _lastmod(published: date) -> str:
    return f"{published.isoformat()}T23:30:00+00:00"


def _write_sitemaps(out_dir: Path, entries: list[tuple[str, date]]) -> None:
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    names = []
    for start in range(0, len(entries), URLS_PER_SITEMAP):
        chunk = entries[start : start + URLS_PER_SITEMAP]
        name = "post-sitemap.xml" if start == 0 else f"post-sitemap{start // URLS_PER_SITEMAP + 1}.xml"
        urls = "".join(f"\t<url>\n\t\t<loc>{HOST}{url_path}</loc>\n\t\t<lastmod>{_lastmod(d)}</lastmod>\n\t</url>\n"
                       for url_path, d in chunk)
        (out_dir / name).write_text(
            f'{head}<urlset xmlns="{SITEMAP_NS}">\n{urls}</urlset>\n', encoding="utf-8")
        names.append((name, max(d for _u, d in chunk)))
    index = "".join(f"\t<sitemap>\n\t\t<loc>{HOST}/{name}</loc>\n\t\t<lastmod>{_lastmod(d)}</lastmod>\n\t</sitemap>\n"
                    for name, d in names)
    (out_dir / "sitemap_index.xml").write_text(
        f'{head}<sitemapindex xmlns="{SITEMAP_NS}">\n{index}</sitemapindex>\n', encoding="utf-8")


def generate(out_dir: Path, count: int = 1000, seed: int = 0) -> list[Path]:
    """Write `count` synthetic reports, their sitemaps and manifest.json under `out_dir`.

    Returns the report files in publication order. manifest.json lists, per report, its path, URL
    path, layout, publication date and the observations a correct parser returns.
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, got {count}")
    material = load_material()
    rng = random.Random(seed)
    days = (LAST_DAY - FIRST_DAY).days + 1
    # Distinct dates first; beyond one report a day, later rounds get the "-0", "-1" slugs of old ISW.
    picks: list[tuple[date, str]] = []
    for round_number in range(-(-count // days)):
        suffix = "" if round_number == 0 else f"-{round_number - 1}"
        offsets = rng.sample(range(days), min(days, count - len(picks)))
        picks += [(FIRST_DAY + timedelta(days=o), suffix) for o in offsets]
    picks.sort()
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    manifest: list[dict[str, object]] = []
    sitemap_entries: list[tuple[str, date]] = []
    for published, suffix in picks:
        report_rng = random.Random(f"{seed}:{published.isoformat()}{suffix}")
        layout, url_path, html, observations = build_report(material, report_rng, published, suffix)
        relative = url_path.lstrip("/") + ("index.html" if url_path.endswith("/") else "")
        path = out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
        paths.append(path)
        sitemap_entries.append((url_path, published))
        manifest.append({"path": relative, "url_path": url_path, "layout": layout,
                         "published": published.isoformat(), "observations": observations})
    _write_sitemaps(out_dir, sitemap_entries)
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="directory to write the archive into")
    parser.add_argument("--count", type=int, default=1000, help="number of reports (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args()
    paths = generate(args.out_dir, args.count, args.seed)
    total = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} reports ({total / 1e6:.1f} MB) and sitemaps to {args.out_dir}")


if __name__ == "__main__":
    main()
