-- Territory gained per calendar month, one row per month and source, from the current figures.
-- Only statements that cover exactly one calendar month: a "since November 1" figure is not a month.
CREATE OR REPLACE VIEW territory_monthly AS
SELECT
    CAST(period_start AS DATE)       AS month,
    source,
    value                            AS territory_gained_km2,
    qualifier,
    published_at,
    quote,
    url
FROM observations_latest
WHERE metric = 'territory_gained'
  AND assessment = 'assessed'
  AND subject = 'RU'
  AND day(period_start) = 1
  AND period_end = last_day(period_start)
ORDER BY month, source;
