"""The registry of sources: the `Source` declared at the end of each source's module, by name.

Adding a source is a module with `discover`, `read` and a `DECLARATION = Source(...)` at its end,
its name in `DECLARED_IN`, and a suite in `expectations/suites/`. The command line's `--source`
choices, the settings and the HTTP allow-list follow from the declarations.

`read_document` is how every caller reads one stored or saved document: the source's OCR step
first when the document is an image (its recognised text reused from the raw store while it is
current), then the source's pure `read`.
"""

from __future__ import annotations

import importlib
import logging
from datetime import date
from functools import cache
from typing import Any, Protocol

from extractors.observation import Reading
from extractors.source import OcrStep, Source

# The modules that declare a source, in the order the command line lists them.
DECLARED_IN = ("extractors.isw", "extractors.ukmod", "extractors.genstaff", "extractors.curated")

log = logging.getLogger("bulletins")


class UnknownSource(ValueError):
    pass


@cache
def registry() -> dict[str, Source]:
    declared: dict[str, Source] = {}
    for module in DECLARED_IN:
        source: Source = importlib.import_module(module).DECLARATION
        declared[source.name] = source
    return declared


def source(name: str) -> Source:
    sources = registry()
    if name not in sources:
        raise UnknownSource(f"unknown source {name!r}; expected one of {', '.join(sources)}")
    return sources[name]


def names() -> tuple[str, ...]:
    return tuple(registry())


def parsing_names() -> tuple[str, ...]:
    """Sources whose saved files `bulletins parse` reads."""
    return tuple(name for name, declared in registry().items() if declared.parses_saved_files)


class DerivedStore(Protocol):
    """Where a reading made from a document is kept beside it (warehouse.raw_store.RawStore)."""

    def read_derived(self, sha256: str, name: str) -> bytes | None: ...

    def put_derived(self, sha256: str, name: str, data: str | bytes) -> Any: ...


def read_document(
    source: Source, body: bytes, *, url: str | None = None, published: date | None = None,
    sha256: str | None = None, store: DerivedStore | None = None,
) -> Reading:
    """What `source` reads in one document: an image through its OCR step, anything else by `read`.

    With a `store` (and the document's `sha256`), an image's recognised text is kept beside it and
    reused while current, so a parser upgrade re-reads images without OCR.
    """
    if source.ocr is not None and source.ocr.is_image(body):
        recognised = _recognised(source.ocr, body, sha256, store)
        return source.ocr.read(recognised, url=url, published=published, sha256=sha256)
    return source.read(body, url=url, published=published, sha256=sha256)


def _recognised(ocr: OcrStep, body: bytes, sha256: str | None, store: DerivedStore | None) -> Any:
    """The stored reading of an image while the current engine and settings made it, else a new
    reading (the source's not-read error when there can be none), stored beside the image."""
    if store is None or sha256 is None:
        return ocr.recognise(body)
    stored = store.read_derived(sha256, ocr.stored_name)
    if stored is not None:
        try:
            recognised = ocr.load(stored)
        except ValueError as error:
            log.warning("stored text of image %s is damaged, recognising it again: %s", sha256, error)
        else:
            if ocr.is_current(recognised):
                return recognised
    recognised = ocr.recognise(body)
    store.put_derived(sha256, ocr.stored_name, ocr.dump(recognised))
    return recognised
