"""ISW "Russian Offensive Campaign Assessment" reports: discovery and reading (DESIGN.md §5).

A report comes as HTML — the old Drupal site (`div.field-name-body`, numeric footnotes `[12]`),
the new WordPress site (classes unconfirmed: the body is found by known containers first, then as
the largest block of paragraphs), the criticalthreats.org mirror (roman footnotes `[iv]`) — or as
a plain-text or Markdown copy (saved from a browser, a reader view, a mirror or a full-text feed).
The form is told from the bytes, not the file name. Each form is turned into the same labelled
blocks (paragraphs, Key Takeaways items, "Unconfirmed claims:" paragraphs), which the shared
figure reader (extractors.reading) reads with ISW's voice.

What `read`/`parse` return or raise, by input:
- a report with figures -> their observations (and `Reading.unread`: sentences with figure-like
  quantities the reader could not settle); a report without any -> nothing;
- an empty body, a binary body or a bot-challenge page -> ValueError naming the problem;
- an HTML page where no report body can be found -> ReportBodyNotFound (a ValueError);
- figures but no way to date the bulletin (no `published`, nothing in the page or URL) -> ValueError.

The HTML side lives in `extractors.isw_html`, discovery in `extractors.isw_discover`.
"""

from __future__ import annotations

import html
import re
from datetime import date

from lxml.etree import _Element as Element

from extractors.isw_discover import discover, parse_sitemap, report_date_from_url
from extractors.isw_html import (
    BODY_CONTAINERS,
    FALLBACK_MIN_CHARS,
    FOOTNOTE_MARKER,
    MIN_BODY_CHARS,
    article_blocks,
    clean_text,
    find_article_body,
    header_date,
    labelled_blocks,
    page_text,
    published_date,
    read_page,
)
from extractors.observation import Observation, Reading
from extractors.reading.attribution import Voice
from extractors.reading.dates import DAY_DATE, parse_date
from extractors.reading.periods import When
from extractors.reading.reader import Provenance, SourceVoice, read_paragraphs
from extractors.reading.text import split_sentences
from extractors.source import Source, SourceSettings

SOURCE = "isw"
PARSER_VERSION = "isw-2"

VOICE = SourceVoice(
    source=SOURCE,
    parser_version=PARSER_VERSION,
    voice=Voice(re.compile(r"\b(?:ISW|ISW's|[Ww]e|[Oo]ur|Institute\s+for\s+the\s+Study\s+of\s+War|It)\b")),
    war_total_without_period=False,
)

_CUTOFF = re.compile(r"data\s+cut[\s-]?off", re.IGNORECASE)
_HTML_TAG = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|p|div|article|main|section|span|br|li|ul|h[1-6]|meta|title)\b", re.IGNORECASE
)
_FIGURE_HINT = re.compile(r"square|sq\.?\s*km|km\s?[2²]|casualt|killed\s+and\s+wounded|per\s+day|a\s+day", re.I)


class ReportBodyNotFound(ValueError):
    """A page where the report itself cannot be located: a layout change, or not a report at all."""


def parse(
    body: bytes, *, url: str | None = None, published: date | None = None, sha256: str | None = None
) -> list[Observation]:
    """The catalogue figures of one report. PURE: no I/O. See the module docstring for errors."""
    return read(body, url=url, published=published, sha256=sha256).observations


def read(
    body: bytes, *, url: str | None = None, published: date | None = None, sha256: str | None = None
) -> Reading:
    """`parse`, with the sentences that look like figures but could not be read (`Reading.unread`)."""
    if not body or not body.strip():
        raise ValueError("empty document: nothing to parse")
    if b"\x00" in body[:4096]:
        raise ValueError("binary document (NUL bytes): not an ISW report")
    if is_html(body):
        root = read_page(body)
        text = page_text(root)
        blocks = _html_blocks(root, body, url)
        published = published or published_date(root, url, text)
    else:
        text = decode_text(body)
        blocks = text_blocks(text)
        published = published or header_date(text[:20000]) or (report_date_from_url(url) if url else None)
    if published is None:
        if any(_FIGURE_HINT.search(block) for _, block in blocks):
            raise ValueError(
                f"{url or 'document'}: cannot date the report (no published date given, none in "
                "the page's metadata, header or URL)"
            )
        return Reading()
    when = When(published, data_cutoff(text, published))
    return read_paragraphs(blocks, VOICE, Provenance(when, url, sha256))


def is_html(body: bytes) -> bool:
    """An HTML page (as opposed to a text or Markdown copy): told from its tags, not its name."""
    head = body[:65536]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] == b"<" and re.match(rb"<(?:!doctype|html|\?xml|head|body)", stripped, re.IGNORECASE):
        return True
    return len(_HTML_TAG.findall(head)) >= 5


def _html_blocks(root: Element, body: bytes, url: str | None) -> list[tuple[str | None, str]]:
    article = find_article_body(root, body.lower())
    if article is None:
        # Never "no figures": a page whose report cannot be located means the layout changed.
        raise ReportBodyNotFound(
            f"{url or 'document'}: no report body found (no known container, no paragraphs of "
            f"{FALLBACK_MIN_CHARS}+ characters): the page layout may have changed"
        )
    return article_blocks(article)


def decode_text(body: bytes) -> str:
    """A text or Markdown copy as text: UTF-8 (with or without BOM), UTF-16 with a BOM, else
    windows-1252 (a copy saved by an old browser)."""
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return body.decode("utf-16")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("windows-1252", errors="replace")


# --- text and Markdown copies ----------------------------------------------------------------

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_FOOTNOTE_LINK = re.compile(r"\[\\?\[?(?:\d{1,3}|[ivxlcdmIVXLCDM]{1,7})\\?\]?\]\([^)]*\)|\[\^[^\]]+\]")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)|\[([^\]]+)\]\[[^\]]*\]")
_MD_AUTOLINK = re.compile(r"<https?://[^>]+>")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_MD_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
_MD_QUOTE = re.compile(r"^\s*>\s?")
_INLINE_TAG = re.compile(r"</?(?:sup|sub|span|em|strong|b|i|a|u)\b[^>]*>|<sup>[^<]*</sup>", re.IGNORECASE)
_SUPERSCRIPT_MARKER = re.compile(r"<sup>\s*\[?\d{1,3}\]?\s*</sup>", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*+•▪●◦]|\d{1,2}[.)])\s+")
_SENTENCE_CLOSE = re.compile(r"[.!?:;\"')\]]\s*$")


def text_blocks(text: str) -> list[tuple[str | None, str]]:
    """(label, cleaned text) of a text or Markdown copy: the same blocks its HTML page gives.

    Markdown syntax (headings, emphasis, links, images, footnote links) is removed; a heading line
    is a heading; a list item or a blank line starts a block; a line that ends a sentence ends its
    block when the next starts a new one (a browser saves one paragraph per line), other lines are
    joined (hard-wrapped text).
    """
    text = _FRONT_MATTER.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _SUPERSCRIPT_MARKER.sub("", text)
    text = _MD_FOOTNOTE_LINK.sub("", _MD_IMAGE.sub("", text))
    text = _MD_LINK.sub(lambda m: m.group(1) or m.group(2), text)
    text = _INLINE_TAG.sub("", _MD_AUTOLINK.sub("", text))
    lines: list[tuple[str, bool]] = []
    current: list[str] = []

    def close() -> None:
        if current:
            lines.append((" ".join(current), False))
            current.clear()

    for raw in text.split("\n"):
        line = _MD_QUOTE.sub("", raw).strip()
        if not line or _MD_RULE.match(line):
            close()
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            close()
            lines.append((_plain(heading.group(1)), True))
            continue
        bullet = _BULLET.match(line)
        if bullet:
            close()
            line = line[bullet.end() :]
        elif current and _SENTENCE_CLOSE.search(current[-1]) and line[:1].isupper():
            close()
        current.append(_plain(line))
    close()
    return labelled_blocks(lines)


def _plain(line: str) -> str:
    return html.unescape(_MD_EMPHASIS.sub(lambda m: m.group(2) or m.group(3), line)).replace("\\", "")


def data_cutoff(text: str, published: date) -> date | None:
    """The stated data cut-off date ("The data cut-off for this product was 2:30pm ET on March 31")."""
    for mention in _CUTOFF.finditer(text):
        day = re.search(DAY_DATE, text[mention.end() : mention.end() + 120])
        if day:
            try:
                return parse_date(day.group(0), published)
            except ValueError:
                continue
    return None


__all__ = [
    "BODY_CONTAINERS",
    "FALLBACK_MIN_CHARS",
    "FOOTNOTE_MARKER",
    "MIN_BODY_CHARS",
    "PARSER_VERSION",
    "SOURCE",
    "VOICE",
    "ReportBodyNotFound",
    "article_blocks",
    "clean_text",
    "data_cutoff",
    "decode_text",
    "discover",
    "find_article_body",
    "is_html",
    "parse",
    "parse_sitemap",
    "published_date",
    "read",
    "report_date_from_url",
    "split_sentences",
    "text_blocks",
]


# What this source is, for the pipeline and the command line (extractors/source.py): declared once, here.
DECLARATION = Source(
    name=SOURCE,
    title="ISW Russian Offensive Campaign Assessments",
    parser_version=PARSER_VERSION,
    suite="isw",
    discover=discover,
    read=read,
    settings=SourceSettings(
        base_url_env="BULLETINS_ISW_BASE_URL",
        base_url="https://understandingwar.org",
        public_hosts=frozenset({"understandingwar.org", "www.understandingwar.org",
                                "criticalthreats.org", "www.criticalthreats.org"}),
        stale_after_hours=36.0,
    ),
)
