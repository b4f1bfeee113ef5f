-- Is each source up to date? One row per source the warehouse has heard of, with the newest
-- thing of each kind it holds:
--   documents   - the newest body stored (raw_documents) and the newest bulletin date discovery
--                 knew; a re-fetch answered 304 or with an unchanged body stores nothing new;
--   figures     - when the newest observation row was recorded, and the newest bulletin date
--                 among all of them;
--   runs        - the latest ingest run whatever its outcome, and the latest failed one;
--   quarantine  - the latest row held back by validation, and why.
-- A column is NULL when nothing of that kind exists yet for the source.
CREATE OR REPLACE VIEW source_freshness AS
WITH sources AS (
    SELECT source FROM ingest_runs
    UNION SELECT source FROM raw_documents
    UNION SELECT source FROM observations
    UNION SELECT source FROM quarantine WHERE source IS NOT NULL
),
documents AS (
    SELECT
        source,
        max(fetched_at)                  AS last_fetched_at,
        arg_max(url, fetched_at)         AS last_fetched_url,
        max(published)                   AS last_document_published
    FROM raw_documents
    GROUP BY source
),
figures AS (
    SELECT
        source,
        max(recorded_at)                 AS last_figure_recorded_at,
        max(published_at)                AS last_figure_published_at
    FROM observations
    GROUP BY source
),
last_runs AS (
    SELECT source, run_id, mode, status, started_at, finished_at, message
    FROM ingest_runs
    QUALIFY row_number() OVER (PARTITION BY source ORDER BY started_at DESC, run_id DESC) = 1
),
last_failed_runs AS (
    SELECT source, run_id, started_at, message
    FROM ingest_runs
    WHERE status = 'failed'
    QUALIFY row_number() OVER (PARTITION BY source ORDER BY started_at DESC, run_id DESC) = 1
),
last_quarantined AS (
    SELECT source, quarantine_id, quarantined_at, metric, reason
    FROM quarantine
    WHERE source IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY source ORDER BY quarantined_at DESC, quarantine_id DESC) = 1
)
SELECT
    s.source,
    d.last_fetched_at,
    d.last_fetched_url,
    d.last_document_published,
    f.last_figure_recorded_at,
    f.last_figure_published_at,
    r.run_id                             AS last_run_id,
    r.mode                               AS last_run_mode,
    r.status                             AS last_run_status,
    r.started_at                         AS last_run_started_at,
    r.finished_at                        AS last_run_finished_at,
    r.message                            AS last_run_message,
    fr.run_id                            AS last_failed_run_id,
    fr.started_at                        AS last_failed_run_started_at,
    fr.message                           AS last_failed_run_message,
    q.quarantine_id                      AS last_quarantine_id,
    q.quarantined_at                     AS last_quarantined_at,
    q.metric                             AS last_quarantined_metric,
    q.reason                             AS last_quarantine_reason
FROM sources AS s
LEFT JOIN documents        AS d  USING (source)
LEFT JOIN figures          AS f  USING (source)
LEFT JOIN last_runs        AS r  USING (source)
LEFT JOIN last_failed_runs AS fr USING (source)
LEFT JOIN last_quarantined AS q  USING (source)
ORDER BY s.source;
