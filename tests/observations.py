"""Observations for tests, written once: an ISW monthly gain and a General Staff daily count."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from extractors.catalogue import WAR_START
from extractors.observation import Observation


def isw_gain(**changes: object) -> Observation:
    """ISW's 203 km2 for March 2025, with any field changed."""
    observation = Observation(
        source="isw",
        metric="territory_gained",
        period_start=date(2025, 3, 1),
        period_end=date(2025, 3, 31),
        value=203.0,
        unit="km2",
        quote="Our assessment: Russian troops took 203 square kilometers during March.",
        published_at=date(2025, 4, 1),
        parser_version="isw-1",
        url="http://127.0.0.1/isw/russian-offensive-campaign-assessment-april-1-2025",
        document_sha256="a" * 64,
    )
    return replace(observation, **changes)


def genstaff_count(day: date, value: float, metric: str = "personnel_cumulative") -> Observation:
    """One General Staff running total as reported on `day` (one document per day)."""
    return Observation(
        source="genstaff", metric=metric, period_start=WAR_START, period_end=day, value=value,
        unit="persons" if metric == "personnel_cumulative" else "count",
        quote=f"General Staff report of {day.isoformat()}: {metric.removesuffix('_cumulative')} {value:g}",
        published_at=day, parser_version="genstaff-1", url=f"http://127.0.0.1/api/v2/statistics/{day}",
        document_sha256=f"sha-{day}",
    )
