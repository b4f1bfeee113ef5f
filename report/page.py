"""The report's HTML: one self-contained file (inline SVG and CSS, no script, nothing fetched).

Under each chart, one table per series lists every point with its quote and a link to its source.
The page is the template report/templates/report.html.j2.
"""

from __future__ import annotations

from report.data import Chart, period_text
from report.templating import render

# A daily series would fill the page: its table starts folded.
FOLDED_FROM_ROWS = 40
# Detail columns that are computed (an average of counts): shown rounded, like computed series.
COMPUTED_DETAILS = frozenset({"daily_avg", "genstaff_same_month"})


def render_page(charts: list[Chart], svgs: dict[str, str], png_names: dict[str, str],
                recorded_up_to: str | None) -> str:
    """The whole page; `svgs` and `png_names` are keyed by chart slug."""
    return render("report.html.j2", charts=charts, svgs=svgs, png_names=png_names, recorded_up_to=recorded_up_to,
                  folded_from_rows=FOLDED_FROM_ROWS, computed_details=COMPUTED_DETAILS, period_text=period_text)
