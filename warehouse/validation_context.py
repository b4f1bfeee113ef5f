"""Join a batch with what the warehouse holds, so the suites can check rows against stored figures.

The checks themselves stay in the Great Expectations suites (expectations/suites/): this module only
adds columns — the previous report of a cumulative series, the stored value a row restates, the
General Staff figure for the same period — and the suites compare them. See
warehouse/sql/validation_context.sql for what each column means.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import duckdb
import pandas as pd

from extractors.catalogue import SQ_MI_TO_KM2
from extractors.observation import OBSERVATION_FIELDS
from extractors.reading.numbers import NUMBER, parse_number

CONTEXT_SQL = (Path(__file__).parent / "sql" / "validation_context.sql").read_text(encoding="utf-8")

CONTEXT_COLUMNS = (
    "period_days", "previous_value", "previous_period_end", "daily_increase", "trailing_median_increase",
    "increase_over_median", "decrease_share", "stored_value", "stored_version", "stored_url", "restatement_change",
    "territory_gained_same_period", "implied_km2_ratio", "genstaff_same_period", "genstaff_ratio",
    "figure_in_quote",
)

_NUMBER = re.compile(NUMBER, re.IGNORECASE)
# A quoted figure matches the stored value within rounding; sq mi figures were converted to km2.
_RELATIVE_TOLERANCE = 0.005


def with_stored_context(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` (observation rows, any index) plus CONTEXT_COLUMNS, same index and row order."""
    if frame.empty:
        return frame.assign(**{name: pd.Series(dtype=object) for name in CONTEXT_COLUMNS})
    batch = frame[list(OBSERVATION_FIELDS)].reset_index(drop=True)
    batch.insert(0, "row_position", range(len(batch)))
    con.register("batch", batch)
    try:
        context = con.execute(CONTEXT_SQL).df()
    finally:
        con.unregister("batch")
    if len(context) != len(frame):  # a join fanned out: a bug in the SQL, not in the data
        raise RuntimeError(f"validation context returned {len(context)} rows for a batch of {len(frame)}")
    context = context.drop(columns="row_position")
    context.index = frame.index
    context["figure_in_quote"] = [
        figure_in_quote(quote, value, low, high)
        for quote, value, low, high in zip(frame["quote"], frame["value"], frame["value_low"], frame["value_high"],
                                           strict=True)
    ]
    return pd.concat([frame, context], axis=1)


def figure_in_quote(quote: object, value: float, low: float | None = None, high: float | None = None) -> bool:
    """Whether the quote states the figure as written: one of its numbers is the value or a bound
    (or is it in square miles). A quote that lost or altered the figure cannot be checked by a reader."""
    if not isinstance(quote, str) or not quote.strip():
        return False
    targets = [float(v) for v in (value, low, high) if v is not None and not _is_nan(v)]
    for match in _NUMBER.finditer(quote):
        try:
            number = parse_number(match.group(0))
        except ValueError:
            continue
        for target in targets:
            if _close(number, target) or _close(number * SQ_MI_TO_KM2, target):
                return True
    return False


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=_RELATIVE_TOLERANCE, abs_tol=0.005)


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)
