"""The report's HTML: one self-contained file (inline SVG and CSS, no script, nothing fetched).

Under each chart, one table per series lists every point with its quote and a link to its source.
"""

from __future__ import annotations

from html import escape

from report.data import Chart, PanelSpec, Point, Series, linkable, number_text, period_text

# A daily series would fill the page: its table starts folded.
FOLDED_FROM_ROWS = 40

STYLE = """
body { font-family: "DejaVu Sans", Verdana, sans-serif; margin: 2em auto; max-width: 72em; padding: 0 1em;
       color: #111827; line-height: 1.4; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2.5em; border-bottom: 1px solid #d1d5db; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
figcaption, .caption { color: #4b5563; font-size: 0.9em; }
details { margin: 0.6em 0; } summary { cursor: pointer; font-weight: bold; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.4em 0 1em; width: 100%; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
td.number { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.url { word-break: break-all; max-width: 22em; } .missing { color: #9ca3af; }
"""


def render_page(charts: list[Chart], svgs: dict[str, str], png_names: dict[str, str],
                recorded_up_to: str | None) -> str:
    """The whole page; `svgs` and `png_names` are keyed by chart slug."""
    sections = "\n".join(_section(chart, svgs[chart.spec.slug], png_names[chart.spec.slug]) for chart in charts)
    contents = "".join(f'<li><a href="#{escape(c.spec.slug)}">{escape(c.spec.title)}</a></li>' for c in charts)
    as_of = f"Figures recorded up to {escape(recorded_up_to)}. " if recorded_up_to else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bulletin metrics report</title>
<style>{STYLE}</style>
</head>
<body>
<h1>Bulletin metrics report</h1>
<p class="caption">{as_of}Current figures from the warehouse views. Every point in a chart links to the
document it was read from; the tables under each chart list the points with their quotes.</p>
<ul>{contents}</ul>
{sections}
</body>
</html>
"""


def _section(chart: Chart, svg: str, png_name: str) -> str:
    tables = "\n".join(
        _series_table(panel.spec, series)
        for panel in chart.panels
        for series in panel.series
    )
    return f"""<section id="{escape(chart.spec.slug)}">
<h2>{escape(chart.spec.title)}</h2>
<p class="caption">{escape(chart.spec.caption)}</p>
<figure>
{svg}
<figcaption>The same chart as an image: <a href="{escape(png_name)}">{escape(png_name)}</a></figcaption>
</figure>
{tables}
</section>"""


def _series_table(panel: PanelSpec, series: Series) -> str:
    detail_names = list(series.points[0].details) if series.points else []
    header = "".join(f"<th>{escape(name.replace('_', ' '))}</th>" for name in
                     [panel.period, panel.y_label, "qualifier", *detail_names, "quote", "source"])
    rows = "\n".join(_row(point, panel.period, detail_names) for point in series.points)
    folded = "" if len(series.points) >= FOLDED_FROM_ROWS else " open"
    summary = f"{panel.title} — {series.label}: {len(series.points)} figures"
    return f"""<details{folded}>
<summary>{escape(summary)}</summary>
<table>
<thead><tr>{header}</tr></thead>
<tbody>
{rows}
</tbody>
</table>
</details>"""


def _row(point: Point, period: str, detail_names: list[str]) -> str:
    cells = [
        f"<td>{period_text(point.x, period)}</td>",
        _number_cell(point.y),
        f"<td>{escape(point.qualifier or '')}</td>",
        *(_detail_cell(point.details.get(name)) for name in detail_names),
        f"<td>{escape(point.quote or '')}</td>",
        f'<td class="url">{_link(point.url)}</td>',
    ]
    return f"<tr>{''.join(cells)}</tr>"


def _detail_cell(value: object) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        return _number_cell(float(value))
    return f"<td>{escape('' if value is None else str(value))}</td>"


def _number_cell(value: float | None) -> str:
    if value is None:
        return '<td class="number missing">missing</td>'
    return f'<td class="number">{number_text(value)}</td>'


def _link(url: str | None) -> str:
    if linkable(url) is None:
        return escape(url or "")
    return f'<a href="{escape(url or "", quote=True)}">{escape(url or "")}</a>'
