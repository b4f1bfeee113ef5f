"""The registry of sources: one declaration per source, and what is derived from the declarations."""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path

import pytest

from extractors import catalogue, sources
from extractors.observation import DocumentRef
from extractors.ukmod import ImageNotRead, next_cursor

REPO = Path(__file__).resolve().parents[2]
IMAGE = REPO / "samples" / "ukmod" / "images" / "2025-04-05.png"


def test_each_source_is_declared_once_in_its_own_module_with_a_suite_and_its_variables() -> None:
    registry = sources.registry()
    assert list(registry) == ["isw", "ukmod", "genstaff", "curated"]
    for module_name, declared in zip(sources.DECLARED_IN, registry.values(), strict=True):
        module = importlib.import_module(module_name)
        assert (declared.name, declared.parser_version) == (module.SOURCE, module.PARSER_VERSION)
        assert (REPO / "expectations" / "suites" / f"{declared.suite}.json").exists()
        assert declared.settings.base_url_env.startswith(f"BULLETINS_{declared.name.upper()}_")
    variables = [s.settings.base_url_env for s in registry.values()]
    variables += [o.env for s in registry.values() for o in s.settings.options]
    assert len(variables) == len(set(variables))
    assert sources.parsing_names() == ("isw", "ukmod", "genstaff")  # curated is a file people write, not a document
    assert set(registry) == set(catalogue.SOURCES)  # the data contract's `source` values (and the suite's)


def test_an_unknown_source_is_named_with_the_choices() -> None:
    with pytest.raises(sources.UnknownSource, match="unknown source 'bbc'; expected one of isw, ukmod"):
        sources.source("bbc")


def test_read_is_pure_and_the_ocr_step_is_composed_by_read_document(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    ukmod = sources.source("ukmod")
    image = IMAGE.read_bytes()
    assert ukmod.ocr is not None and ukmod.ocr.is_image(image)
    with pytest.raises(ValueError, match="must be recognised"):
        ukmod.read(image)
    monkeypatch.setenv("PATH", str(tmp_path))  # no Tesseract: the image waits for a later run
    with pytest.raises(ImageNotRead):
        sources.read_document(ukmod, image)
    text = b"Russia has likely suffered over 465,000 casualties."
    [observation] = sources.read_document(ukmod, text, published=date(2024, 5, 4)).observations
    assert observation.value == 465_000


def test_the_mod_cursor_never_passes_a_post_whose_image_failed() -> None:
    page = DocumentRef("ukmod", "http://127.0.0.1/2/tweets", meta={"kind": "timeline_page", "newest_id": "1900"})
    image = DocumentRef("ukmod", "http://127.0.0.1/media/a.png", meta={"kind": "image", "post_id": "1850"})
    older = DocumentRef("ukmod", "http://127.0.0.1/media/b.png", meta={"kind": "image", "post_id": "1820"})
    assert next_cursor([page, image, older], []) == "1900"
    assert next_cursor([page, older], [image]) == "1849"
    assert next_cursor([page], [image, older]) == "1819"
    assert next_cursor([], [image]) == "1849"
    assert sources.source("ukmod").cursor is not None and sources.source("ukmod").cursor.argument == "since_id"
