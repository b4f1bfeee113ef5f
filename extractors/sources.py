"""The registry of sources: name -> the module that discovers and parses its documents."""

from __future__ import annotations

import importlib
from types import ModuleType

SOURCE_MODULES = {
    "isw": "extractors.isw",
    "genstaff": "extractors.genstaff",
    "ukmod": "extractors.ukmod",
    "curated": "extractors.curated",
}


def source_module(source: str) -> ModuleType:
    if source not in SOURCE_MODULES:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCE_MODULES)}")
    return importlib.import_module(SOURCE_MODULES[source])
