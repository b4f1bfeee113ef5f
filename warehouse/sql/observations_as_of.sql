-- The state of the store as of a past instant: for each series key, the statement that was
-- current then. Same rule as the `observations_as_of(ts)` table macro; run it with
--   bulletins sql --param ts=2025-06-01T00:00:00Z "$(cat warehouse/sql/observations_as_of.sql)"
-- or in the DuckDB CLI after `SET VARIABLE ts = TIMESTAMPTZ '2025-06-01 00:00:00+00';`
SELECT *
FROM observations
WHERE recorded_at <= CAST(getvariable('ts') AS TIMESTAMPTZ)
QUALIFY row_number() OVER (
    PARTITION BY source, metric, subject, period_start, period_end, assessment
    ORDER BY published_at DESC, recorded_at DESC, version DESC
) = 1
ORDER BY source, metric, period_start, period_end;
