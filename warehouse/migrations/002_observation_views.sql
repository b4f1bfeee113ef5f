-- How analysts read observations. The current value of a key is the statement of the most
-- recently *published* document (ties: the later recorded), so a backfill that reads an old
-- bulletin after a newer one adds history without superseding the newer figure (DESIGN.md §4).

CREATE OR REPLACE VIEW observations_history AS
SELECT
    o.*,
    row_number() OVER current_first = 1 AS is_current
FROM observations AS o
WINDOW current_first AS (
    PARTITION BY source, metric, subject, period_start, period_end, assessment
    ORDER BY published_at DESC, recorded_at DESC, version DESC
);

CREATE OR REPLACE VIEW observations_latest AS
SELECT * EXCLUDE (is_current)
FROM observations_history
WHERE is_current;

-- What the store said at instant `ts`: the same rule, over the rows recorded by then.
-- The same query, with a parameter, is in warehouse/sql/observations_as_of.sql.
CREATE OR REPLACE MACRO observations_as_of(ts) AS TABLE
SELECT *
FROM observations
WHERE recorded_at <= CAST(ts AS TIMESTAMPTZ)
QUALIFY row_number() OVER (
    PARTITION BY source, metric, subject, period_start, period_end, assessment
    ORDER BY published_at DESC, recorded_at DESC, version DESC
) = 1;
