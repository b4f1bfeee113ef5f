"""Every figure of the 2024-2025 sample archives is a published one (samples/facts/*.csv), stated by
the source it is put in the mouth of: ISW's monthly km² are ISW's own, never AFP's tally of them."""

from __future__ import annotations

import csv
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
FACTS = SAMPLES / "facts"
TERRITORY = list(csv.DictReader((FACTS / "territory_monthly_published_2024-2025.csv").open(encoding="utf-8")))
MOD = list(csv.DictReader((FACTS / "ukmod_casualty_statements_2024-2025.csv").open(encoding="utf-8")))
ISW = [e for e in json.loads((SAMPLES / "isw" / "expected.json").read_text(encoding="utf-8"))
       if e["published"] >= "2024"]
MOD_POSTS = [p for p in json.loads((SAMPLES / "ukmod" / "expected.json").read_text(encoding="utf-8"))["posts"]
             if p["published"] >= "2024"]

# Figures of DESIGN.md's record that the tables do not carry (periods that are not whole months), and
# one the MoD update states in words the tables give only as the origin's headline.
ISW_RECORD = {
    ("territory_gained", "2024-11-01", "2024-11-26"): 574.0,  # "since November 1", late November 2024
    ("territory_gain_rate", "2024-11-01", "2024-11-26"): 22.0,
    ("casualties_in_period", "2025-05-01", "2025-05-31"): 35370.0,  # ISW, early June 2025
    ("casualties_per_km2", "2025-05-01", "2025-05-31"): 71.0,
}
MOD_RECORD = {
    ("casualties_cumulative", "2025-10-15"): 1_100_000.0,  # "top 1.1 million", mid-October 2025
    ("territory_gain_rate", "2025-04-05"): 5.0,  # "less than 5 km² a day": 143 km² over March's 31 days
}


def month_span(start: str, end: str) -> str | None:
    """The tables' name of a period of whole months: "2025-03", "2024-YR", "2025-01..04"; else None."""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    if first.day != 1 or (last + timedelta(days=1)).day != 1:
        return None
    if (first.month, last.month) == (1, 12) and first.year == last.year:
        return f"{first.year}-YR"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first:%Y-%m}"
    return f"{first:%Y-%m}..{last:%m}" if first.year == last.year else None


def published(series: str, month: str) -> float | None:
    rows = [float(r["km2"]) for r in TERRITORY if r["series"] == series and r["month"] == month]
    return rows[0] if rows else None


ISW_FIGURES = [(e["published"], o) for e in ISW for o in e["observations"] if o["assessment"] == "assessed"]


@pytest.mark.parametrize(("report", "figure"), ISW_FIGURES, ids=[f"{p} {o['metric']} {o['period_start']}"
                                                                   for p, o in ISW_FIGURES])
def test_each_isw_figure_is_one_isw_published(report: str, figure: dict[str, object]) -> None:
    key = (figure["metric"], figure["period_start"], figure["period_end"])
    span = month_span(str(figure["period_start"]), str(figure["period_end"]))
    if key in ISW_RECORD:
        assert figure["value"] == ISW_RECORD[key]
        return
    assert figure["metric"] == "territory_gained" and span is not None, f"{key}: not a figure the tables hold"
    assert figure["value"] == published("ISW_own", span), f"{report}: {span} is not ISW's own figure"
    afp = published("AFP_from_ISW", span)
    assert afp is None or afp != figure["value"], f"{report}: AFP's tally for {span} put in ISW's mouth"


def test_the_isw_samples_carry_every_monthly_figure_isw_published() -> None:
    in_samples = {month_span(str(o["period_start"]), str(o["period_end"])) for _, o in ISW_FIGURES}
    own = {r["month"] for r in TERRITORY if r["series"] == "ISW_own"}
    assert own <= in_samples, sorted(own - in_samples)


MOD_FIGURES = [(p["published"], o) for p in MOD_POSTS for o in p["observations"]]


def mod_statement(update: str, metric: str) -> float | None:
    """The value of `metric` in the update of that date (or of that part of the month, "2025-03 (early)")."""
    day = int(update[8:])
    part = "(early)" if day <= 10 else "(mid)" if day <= 20 else "(late)"
    for row in MOD:
        if row["metric"] == metric and row["mod_update_date"] in (update, f"{update[:7]} {part}"):
            return float(row["value"])
    return None


@pytest.mark.parametrize(("update", "figure"), MOD_FIGURES, ids=[f"{p} {o['metric']} {o['period_start']}"
                                                                  for p, o in MOD_FIGURES])
def test_each_mod_figure_is_one_an_mod_update_stated(update: str, figure: dict[str, object]) -> None:
    if (figure["metric"], update) in MOD_RECORD:
        assert figure["value"] == MOD_RECORD[figure["metric"], update]  # type: ignore[index]
        return
    span = month_span(str(figure["period_start"]), str(figure["period_end"]))
    metric = {
        "casualties_daily_avg": f"daily_avg_casualties_month:{span}",
        "casualties_cumulative": "cumulative_casualties",
        "casualties_in_period": f"casualties_period:{span}",
        "territory_gained": f"territory_month:{span}",
    }[str(figure["metric"])]
    stated = mod_statement(update, metric)
    if stated is None and figure["metric"] == "territory_gained":
        stated = published("UK_MoD", str(span))  # the MoD's months the press tabulated
    assert stated == figure["value"], f"the update of {update}: {metric} is {stated}, the sample says {figure['value']}"


def test_the_mod_samples_carry_every_monthly_average_the_mod_stated() -> None:
    stated = {r["metric"].split(":")[1] for r in MOD if r["metric"].startswith("daily_avg_casualties_month:")}
    in_samples = {str(o["period_start"])[:7] for _, o in MOD_FIGURES if o["metric"] == "casualties_daily_avg"}
    assert stated == in_samples
