-- Runs are recorded as events, never updated (issue 12): on DuckLake an UPDATE conflicts with any
-- write to the same table by another process, and ingests of several sources write at once. A run
-- appends a row when it starts and another when it finishes; `ingest_runs`, the relation readers
-- know, becomes a view showing each run's latest row, with the same columns as before.

CREATE TABLE ingest_run_events (
    run_id                VARCHAR NOT NULL,
    source                VARCHAR NOT NULL,
    mode                  VARCHAR NOT NULL,
    parameters            JSON,
    started_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    finished_at           TIMESTAMP WITH TIME ZONE,
    status                VARCHAR NOT NULL,
    documents_discovered  INTEGER,
    documents_fetched     INTEGER,
    documents_unchanged   INTEGER,
    documents_failed      INTEGER,
    observations_parsed   INTEGER,
    rows_appended         INTEGER,
    rows_quarantined      INTEGER,
    watermark             TIMESTAMP WITH TIME ZONE,
    message               VARCHAR,
    cursor                VARCHAR,
    rows_warned           INTEGER,
    problems              JSON
);

INSERT INTO ingest_run_events BY NAME SELECT * FROM ingest_runs;
DROP TABLE ingest_runs;

-- A finished row outranks the started one; a flow run finished twice (a retry) shows its last finish.
CREATE VIEW ingest_runs AS
SELECT *
FROM ingest_run_events
QUALIFY row_number() OVER (PARTITION BY run_id ORDER BY finished_at DESC NULLS LAST) = 1;

COMMENT ON TABLE ingest_run_events IS
    'Every start and finish of every ingest run, appended (a run has a row with finished_at NULL when it starts, one more when it finishes); ingest_runs shows each run''s latest row.';
COMMENT ON VIEW ingest_runs IS
    'One row per ingest run of one source: its mode, parameters, counts, outcome and the watermark the next incremental run starts from. Each run''s latest row of ingest_run_events.';
COMMENT ON COLUMN ingest_run_events.run_id IS
    'Identifier of the run (the Prefect flow run id).';
COMMENT ON COLUMN ingest_run_events.source IS
    'Source the run read.';
COMMENT ON COLUMN ingest_run_events.mode IS
    'incremental (what changed since the last completed run), backfill (a date range) or reparse.';
COMMENT ON COLUMN ingest_run_events.parameters IS
    'The run''s parameters as JSON (date_from, date_to).';
COMMENT ON COLUMN ingest_run_events.started_at IS
    'When the run started (UTC).';
COMMENT ON COLUMN ingest_run_events.finished_at IS
    'When the run finished (UTC); NULL while it runs or when it died without finishing.';
COMMENT ON COLUMN ingest_run_events.status IS
    'running, completed or failed (the source could not be reached).';
COMMENT ON COLUMN ingest_run_events.documents_discovered IS
    'Documents discovery listed for the run.';
COMMENT ON COLUMN ingest_run_events.documents_fetched IS
    'Documents fetched with a new body and parsed.';
COMMENT ON COLUMN ingest_run_events.documents_unchanged IS
    'Documents the server answered 304 for, or whose body had been read already.';
COMMENT ON COLUMN ingest_run_events.documents_failed IS
    'Documents whose fetch failed after every retry.';
COMMENT ON COLUMN ingest_run_events.observations_parsed IS
    'Figures the parsers returned, before validation and versioning.';
COMMENT ON COLUMN ingest_run_events.rows_appended IS
    'New rows (versions) written to observations.';
COMMENT ON COLUMN ingest_run_events.rows_quarantined IS
    'Figures held back in quarantine by a critical expectation.';
COMMENT ON COLUMN ingest_run_events.watermark IS
    'Latest sitemap lastmod or report date seen: where the next incremental run starts.';
COMMENT ON COLUMN ingest_run_events.message IS
    'One-line summary of the run, or why it failed.';
COMMENT ON COLUMN ingest_run_events.cursor IS
    'The source''s own position where the next incremental run starts (the newest X post id for ukmod, read as since_id); NULL for sources paged by date.';
COMMENT ON COLUMN ingest_run_events.rows_warned IS
    'Loaded rows that failed a warning expectation (see validation_warnings).';
COMMENT ON COLUMN ingest_run_events.problems IS
    'The run''s problems as alerted: kind, check, severity, count and examples of each (flows/problems.py RunReport).';

-- Columns the views take from their tables keep those tables' comments (warehouse/db.py).
-- @column-comments ingest_runs from ingest_run_events
