"""The metric catalogue and controlled vocabularies of DESIGN.md §4.

One place that the parsers, the Great Expectations suite and the warehouse agree on.
"""

from __future__ import annotations

from datetime import date

WAR_START = date(2022, 2, 24)

# Ukraine's area including Crimea and the occupied territories, km2.
UKRAINE_AREA_KM2 = 603_628.0

SQ_MI_TO_KM2 = 2.589988

SOURCES = ("ukmod", "isw", "genstaff", "curated")

# metric -> the unit its value is stored in.
METRICS: dict[str, str] = {
    "territory_gained": "km2",
    "territory_gain_rate": "km2_per_day",
    "casualties_cumulative": "persons",
    "killed_cumulative": "persons",
    "casualties_in_period": "persons",
    "casualties_daily_avg": "persons_per_day",
    "casualties_per_km2": "persons_per_km2",
    # One day's losses ("1,950 casualties on a single day"): period_start = period_end = that day.
    "casualties_single_day": "persons",
    # Troops a country sent (curated press figures, e.g. North Korea's in Kursk).
    "troops_deployed": "persons",
}

# General Staff equipment counts are open-ended (`<field>_cumulative`): new fields appear over time.
GENSTAFF_METRIC_SUFFIX = "_cumulative"

UNITS = ("km2", "km2_per_day", "persons", "persons_per_day", "persons_per_km2", "count")
QUALIFIERS = ("exact", "approximately", "over", "under", "up_to", "range")
ASSESSMENTS = ("assessed", "claimed", "forecast")
SUBJECTS = ("RU", "UA", "KP")


def unit_for(metric: str) -> str | None:
    """The catalogue unit of a metric, or None when the metric is not in the catalogue."""
    if metric in METRICS:
        return METRICS[metric]
    if metric == "personnel_cumulative":
        return "persons"
    if metric.endswith(GENSTAFF_METRIC_SUFFIX):
        return "count"
    return None
