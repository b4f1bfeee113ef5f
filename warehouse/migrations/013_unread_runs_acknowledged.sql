-- Issues 10, 11 and 13: what a parser saw but could not read is kept as an `unread` anomaly with its
-- quote; a run records the process running it, so the next run can close it as abandoned when that
-- process died; a quarantined row can be acknowledged with a note (reviewed, kept out) as well as
-- released, and either closes it. Acknowledgements are appended events, as releases are (012).

ALTER TABLE anomalies ADD COLUMN quote VARCHAR;
ALTER TABLE anomalies ADD COLUMN metric VARCHAR;
ALTER TABLE anomalies ADD COLUMN value DOUBLE;
COMMENT ON COLUMN anomalies.quote IS 'For an unread figure: the sentence (or curated row) that carried it.';
COMMENT ON COLUMN anomalies.metric IS 'For an unread figure: the catalogue metric it looked like, when the parser could tell.';
COMMENT ON COLUMN anomalies.value IS 'For an unread figure: the number it carried, when the parser could tell.';
COMMENT ON COLUMN anomalies.kind IS 'anomaly (a document read wrongly or not fetched), unread (a figure the parser saw but could not read: kept for review, never loaded), stale (no new document for longer than the source''s schedule allows) or unreachable.';
COMMENT ON COLUMN anomalies.check_name IS 'What was checked: document_not_parsed, parser_error, document_not_fetched, document_given_up, discovery_failed, usual_figures_missing, figure_not_read, no_new_document, source_unreachable.';

ALTER TABLE ingest_run_events ADD COLUMN figures_unread INTEGER;
ALTER TABLE ingest_run_events ADD COLUMN pid INTEGER;
ALTER TABLE ingest_run_events ADD COLUMN host VARCHAR;

COMMENT ON COLUMN ingest_run_events.figures_unread IS 'Figures the parsers saw but could not read (anomalies of kind unread); coverage = observations_parsed / (observations_parsed + figures_unread).';
COMMENT ON COLUMN ingest_run_events.pid IS 'Process id of the run, so a later run can tell that it died (with host).';
COMMENT ON COLUMN ingest_run_events.host IS 'Host name of the machine the run ran on.';
COMMENT ON COLUMN ingest_run_events.status IS 'running, completed, completed_with_warnings, failed (why: in message; also a configuration error, an exception, Ctrl-C or SIGTERM) or abandoned (its process died without finishing: closed by the next run).';

-- The view again, so that it lists the new columns (a view keeps the columns it was made with).
CREATE OR REPLACE VIEW ingest_runs AS
SELECT *
FROM ingest_run_events
QUALIFY row_number() OVER (PARTITION BY run_id ORDER BY finished_at DESC NULLS LAST) = 1;

COMMENT ON VIEW ingest_runs IS
    'One row per ingest run of one source: its mode, parameters, counts, outcome and the watermark the next incremental run starts from. Each run''s latest row of ingest_run_events.';

CREATE TABLE quarantine_acknowledgements (
    quarantine_id     VARCHAR NOT NULL,
    acknowledged_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    acknowledged_by   VARCHAR,
    acknowledge_note  VARCHAR NOT NULL
);
COMMENT ON TABLE quarantine_acknowledgements IS
    'One row per acknowledgement of a quarantined row after review (bulletins quarantine acknowledge): the person keeps it out of the observations, with a note; appended, never updated.';
COMMENT ON COLUMN quarantine_acknowledgements.quarantine_id IS 'The acknowledged row (quarantined_rows.quarantine_id).';
COMMENT ON COLUMN quarantine_acknowledgements.acknowledged_at IS 'When a person acknowledged the row after review without loading it (bulletins quarantine acknowledge); NULL otherwise.';
COMMENT ON COLUMN quarantine_acknowledgements.acknowledged_by IS 'Who acknowledged it (the operating-system user running the command).';
COMMENT ON COLUMN quarantine_acknowledgements.acknowledge_note IS 'Why it stays out, as given with --note (required).';

-- A row released or acknowledged twice (two reviewers at once) shows its first release and acknowledgement.
CREATE OR REPLACE VIEW quarantine AS
SELECT q.*, r.released_at, r.released_by, r.release_note, r.released_version,
       a.acknowledged_at, a.acknowledged_by, a.acknowledge_note
FROM quarantined_rows AS q
LEFT JOIN (
    SELECT * FROM quarantine_releases
    QUALIFY row_number() OVER (PARTITION BY quarantine_id ORDER BY released_at) = 1
) AS r ON r.quarantine_id = q.quarantine_id
LEFT JOIN (
    SELECT * FROM quarantine_acknowledgements
    QUALIFY row_number() OVER (PARTITION BY quarantine_id ORDER BY acknowledged_at) = 1
) AS a ON a.quarantine_id = q.quarantine_id;

COMMENT ON VIEW quarantine IS
    'Figures that failed a critical expectation (or, for the curated file, a row that could not be read), never loaded into observations: the figure as parsed, with the expectations it failed and why. The same figure from the same document is stored once. Each row of quarantined_rows with its first release and its first acknowledgement.';

-- @include sql/open_quarantine.sql

COMMENT ON VIEW open_quarantine IS 'Quarantined rows still waiting for review: not released or acknowledged, no later figure stored for their series key, and their document not re-read with new content since. Alerts treat these as one unresolved failure until none remain.';

-- An acknowledged row is no longer open, so these columns say so rather than their table's words.
COMMENT ON COLUMN open_quarantine.acknowledged_at IS 'Always NULL here: an acknowledged row is no longer open.';
COMMENT ON COLUMN open_quarantine.acknowledged_by IS 'Always NULL here (see quarantine.acknowledged_by).';
COMMENT ON COLUMN open_quarantine.acknowledge_note IS 'Always NULL here (see quarantine.acknowledge_note).';

-- Columns the views take from their tables keep those tables' comments (warehouse/db.py).
-- @column-comments ingest_runs from ingest_run_events
-- @column-comments quarantine from quarantined_rows
-- @column-comments quarantine from quarantine_releases
-- @column-comments quarantine from quarantine_acknowledgements
-- @column-comments open_quarantine from quarantine
