"""The HTML templating of the report and the validation pages: Jinja2, autoescaped, strict.

Templates live in report/templates/. Every page is one self-contained file: inline CSS and SVG, no
script, nothing fetched, so it reads the same offline as online.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from report.data import linkable, number_text, rounded_text

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(("html", "j2")),
        undefined=StrictUndefined,  # a misspelt field is an error, not an empty cell
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["number"] = number_text
    env.filters["rounded"] = rounded_text
    env.filters["linkable"] = linkable
    return env


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context)
