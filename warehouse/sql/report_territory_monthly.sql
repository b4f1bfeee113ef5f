-- Chart 1 of `bulletins report`: km2 Russian forces gained per calendar month, one series per
-- source (territory_monthly). Every report query returns the same columns:
--   series, x (DATE), y (DOUBLE, NULL = not known), qualifier, quote, url,
-- and any further columns are details shown in the table under the chart.
SELECT
    source                AS series,
    month                 AS x,
    territory_gained_km2  AS y,
    qualifier,
    quote,
    url,
    published_at
FROM territory_monthly
ORDER BY series, x;
