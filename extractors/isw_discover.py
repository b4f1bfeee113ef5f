"""Finding ISW campaign assessments: sitemap index -> post sitemaps, else the report listing.

Re-exported by `extractors.isw` (the source module's surface); kept apart so each file stays
readable. Sitemaps are parsed with defusedxml: a DTD or entity declaration is refused with
`UnsafeXmlError`, never expanded (a "billion laughs" sitemap cannot exhaust memory).
"""

from __future__ import annotations

import gzip
import io
import logging
import re
import zlib
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from extractors.http import FetchError, HttpClient, NotFound
from extractors.observation import DocumentRef

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

log = logging.getLogger(__name__)

SITEMAP_INDEX_PATH = "/sitemap_index.xml"
LISTING_PATH = "/research/russia-ukraine/"
MAX_LISTING_PAGES = 50
MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own limit for one (unzipped) file
_CHILD_SITEMAP_WORDS = ("post", "backgrounder", "research")
_ASSESSMENT_SLUGS = ("russian-offensive-campaign-assessment", "russian-campaign-assessment")
_MONTH_NUMBERS = {
    name: number
    for number, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for name in names
}
# ...-assessment-march-31-2025 | ...-assessment-march-31 (2022) | either with a "-0"/"-1" suffix.
_SLUG_DATE = re.compile(
    r"campaign-assessment-(?P<month>[a-z]+)-(?P<day>\d{1,2})(?:-(?P<year>20\d{2}))?(?:-\d{1,2})?$"
)
_NEXT_TEXT = re.compile(r"(?:next(?:\s+page)?|older\s+(?:posts|entries))\s*[›»→>]*|[›»→]")


class UnsafeXmlError(ValueError):
    """A sitemap carrying a DTD or entity declarations: refused, never expanded."""


class SitemapError(ValueError):
    """A sitemap that is not well-formed XML or not a sitemap."""


def discover(
    client: HttpClient,
    base_url: str,
    *,
    since: datetime | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> list[DocumentRef]:
    """Campaign assessments on the site at `base_url`, oldest first.

    `since` keeps reports whose sitemap `lastmod` is later (a revised old report included; an
    entry without lastmod is kept, as we cannot tell). `date_from`/`date_to` keep reports whose
    date (from the URL slug) lies in the range; a report whose date cannot be read is then left
    out. Without a usable sitemap index (404 or not parsable) the report listing is paged instead;
    it has no lastmod, so there `since` compares with the report's date.
    """
    base_url = base_url.rstrip("/")
    try:
        index = client.get(base_url + SITEMAP_INDEX_PATH).body or b""
        entries = _sitemap_entries(index, base_url + SITEMAP_INDEX_PATH)
    except (NotFound, SitemapError) as problem:
        log.warning("ISW sitemap index unusable (%s); falling back to the report listing", problem)
        return _from_listing(client, base_url, since, date_from, date_to)

    found: dict[str, DocumentRef] = {}
    for kind, loc, lastmod in entries:
        if kind == "sitemap":
            if not any(word in loc.lower().rsplit("/", 1)[-1] for word in _CHILD_SITEMAP_WORDS):
                continue
            if since is not None and lastmod is not None and lastmod <= _aware(since):
                continue  # the child sitemap's lastmod is that of its newest entry: nothing new there
            # A child sitemap that cannot be read fails the discovery (an anomaly naming it), never
            # skipped: the watermark would then pass the reports it lists, and no run would see them.
            try:
                child = client.get(_onto_base(loc, base_url)).body or b""
            except NotFound:
                raise SitemapError(f"{loc}: listed in the sitemap index but not found (404)") from None
            child_entries = _sitemap_entries(child, loc)
        else:
            child_entries = [(kind, loc, lastmod)]
        for child_kind, url, modified in child_entries:
            if child_kind == "url" and is_campaign_assessment(url):
                ref = _ref(_onto_base(url, base_url), modified)
                if _wanted(ref, since, date_from, date_to, by_lastmod=True):
                    found[ref.url] = ref
    return _ordered(found.values())


def is_campaign_assessment(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return any(slug in path for slug in _ASSESSMENT_SLUGS)


def report_date_from_url(url: str) -> date | None:
    """The report date in an assessment URL's slug; 2022 slugs carry no year. None if unreadable."""
    slug = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1].lower()
    match = _SLUG_DATE.search(slug)
    if not match or match.group("month") not in _MONTH_NUMBERS:
        return None
    year = int(match.group("year")) if match.group("year") else 2022
    try:
        return date(year, _MONTH_NUMBERS[match.group("month")], int(match.group("day")))
    except ValueError:
        return None


def parse_sitemap(body: bytes) -> list[tuple[str, datetime | None]]:
    """(loc, lastmod) of every entry of a sitemap or sitemap index. Raises UnsafeXmlError for a
    DTD/entity, SitemapError for anything else that is not a sitemap."""
    return [(loc, lastmod) for _, loc, lastmod in _sitemap_entries(body, "sitemap")]


def _sitemap_entries(body: bytes, where: str) -> list[tuple[str, str, datetime | None]]:
    """(kind "sitemap"|"url", loc, lastmod) of each entry."""
    if body[:2] == b"\x1f\x8b":  # a .xml.gz sitemap served without Content-Encoding
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as unzipped:
                body = unzipped.read(MAX_SITEMAP_BYTES + 1)
        except (OSError, EOFError, zlib.error) as error:
            raise SitemapError(f"{where}: corrupt gzip sitemap ({error})") from None
        if len(body) > MAX_SITEMAP_BYTES:
            raise SitemapError(f"{where}: unzipped sitemap exceeds {MAX_SITEMAP_BYTES} bytes")
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise UnsafeXmlError(
            f"{where}: refused a sitemap with a DTD or entity declaration ({type(error).__name__}); "
            "entities are never expanded"
        ) from None
    except ParseError as error:
        raise SitemapError(f"{where}: not well-formed XML ({error})") from None
    except (LookupError, ValueError) as error:  # an encoding declaration expat cannot read
        raise SitemapError(f"{where}: unreadable XML encoding ({error})") from None
    kind = {"sitemapindex": "sitemap", "urlset": "url"}.get(_local(root))
    if kind is None:
        raise SitemapError(f"{where}: root element <{_local(root)}> is neither <sitemapindex> nor <urlset>")
    entries: list[tuple[str, str, datetime | None]] = []
    for entry in root:
        if _local(entry) != kind:
            continue
        fields = {_local(child): (child.text or "").strip() for child in entry}
        if fields.get("loc"):
            entries.append((kind, fields["loc"], _lastmod(fields.get("lastmod", ""))))
    return entries


def _local(element: Element) -> str:
    return element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""


def _lastmod(text: str) -> datetime | None:
    if not text:
        return None
    try:
        return _aware(datetime.fromisoformat(text))
    except ValueError:
        return None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _onto_base(url: str, base_url: str) -> str:
    """Sitemaps name the public host (https://understandingwar.org/...). A mirror or a loopback
    server standing in for the site serves the same paths, and its sitemap copy still names the
    public host: moving each URL onto `base_url` keeps the whole run on the configured site (and
    inside the HTTP client's allow-list) instead of leaking to the public one."""
    parts, base = urlsplit(url), urlsplit(base_url)
    if parts.netloc.lower() == base.netloc.lower():
        return url
    return urlunsplit((base.scheme, base.netloc, base.path.rstrip("/") + parts.path, parts.query, ""))


def _ref(url: str, lastmod: datetime | None) -> DocumentRef:
    return DocumentRef(source="isw", url=url, lastmod=lastmod, published=report_date_from_url(url))


def _wanted(
    ref: DocumentRef, since: datetime | None, date_from: date | None, date_to: date | None, *, by_lastmod: bool
) -> bool:
    if since is not None:
        if by_lastmod and ref.lastmod is not None and ref.lastmod <= _aware(since):
            return False
        if not by_lastmod and ref.published is not None and ref.published < _aware(since).date():
            return False
    if date_from is None and date_to is None:
        return True
    if ref.published is None:
        return False
    return (date_from is None or ref.published >= date_from) and (date_to is None or ref.published <= date_to)


def _ordered(refs: object) -> list[DocumentRef]:
    return sorted(refs, key=lambda r: (r.published or date.min, r.url))  # type: ignore[attr-defined]


def _from_listing(
    client: HttpClient, base_url: str, since: datetime | None, date_from: date | None, date_to: date | None
) -> list[DocumentRef]:
    """Page through the report listing (newest first), at most MAX_LISTING_PAGES pages."""
    from bs4 import BeautifulSoup  # only for a site without a usable sitemap: a daily run rarely needs it

    found: dict[str, DocumentRef] = {}
    page_url: str | None = base_url + LISTING_PATH
    visited: set[str] = set()
    while page_url and page_url not in visited and len(visited) < MAX_LISTING_PAGES:
        visited.add(page_url)
        try:
            body = client.get(page_url).body or b""
        except FetchError as problem:
            if not visited - {page_url}:
                raise  # neither the sitemap nor the listing: the source cannot be reached
            log.warning("ISW listing page %s failed (%s); keeping what was found", page_url, problem)
            break
        soup = BeautifulSoup(body, "lxml")
        for anchor in soup.find_all("a", href=True):
            url = _onto_base(urljoin(page_url, str(anchor["href"])).split("#", 1)[0], base_url)
            if is_campaign_assessment(url):
                ref = _ref(url, None)
                if _wanted(ref, since, date_from, date_to, by_lastmod=False):
                    found.setdefault(url, ref)
        page_url = _next_page(soup, page_url, base_url)
    return _ordered(found.values())


def _next_page(soup: BeautifulSoup, page_url: str, base_url: str) -> str | None:
    link = soup.find("link", rel="next") or soup.find("a", rel="next")
    if link is None:
        for anchor in soup.find_all("a", href=True):
            classes = " ".join(anchor.get("class") or []).lower()
            text = anchor.get_text(" ", strip=True).lower()
            if "next" in classes or _NEXT_TEXT.fullmatch(text):
                link = anchor
                break
    if link is None or not link.get("href"):
        return None
    return _onto_base(urljoin(page_url, str(link["href"])), base_url)
