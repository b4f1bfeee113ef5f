-- Issue 5: what validation flagged without refusing, what a run found odd in the documents, and
-- quarantined rows released after review.

CREATE TABLE validation_warnings (
    run_id           VARCHAR     NOT NULL,
    source           VARCHAR     NOT NULL,
    warned_at        TIMESTAMPTZ NOT NULL,
    expectation      VARCHAR     NOT NULL,
    detail           VARCHAR     NOT NULL,
    metric           VARCHAR,
    subject          VARCHAR,
    period_start     DATE,
    period_end       DATE,
    assessment       VARCHAR,
    value            DOUBLE,
    quote            VARCHAR,
    url              VARCHAR,
    document_sha256  VARCHAR
);
COMMENT ON TABLE validation_warnings IS 'One row per warning expectation a loaded row failed: the row was stored, flagged for a person to look at (a restatement over 50 %, a cross-source disagreement, a jump in a daily count).';
COMMENT ON COLUMN validation_warnings.run_id IS 'The ingest run that validated the row (ingest_runs.run_id).';
COMMENT ON COLUMN validation_warnings.source IS 'Source of the row: isw, ukmod, genstaff or curated.';
COMMENT ON COLUMN validation_warnings.warned_at IS 'When the batch was validated and loaded (UTC).';
COMMENT ON COLUMN validation_warnings.expectation IS 'The failed warning expectation, named as in validation_results (type, columns, row condition).';
COMMENT ON COLUMN validation_warnings.detail IS 'The row''s values in the checked and explaining columns, e.g. both versions of a restated figure or both numbers of a cross-source check.';
COMMENT ON COLUMN validation_warnings.metric IS 'Catalogue metric of the flagged row.';
COMMENT ON COLUMN validation_warnings.subject IS 'Whose figure: RU, UA or KP.';
COMMENT ON COLUMN validation_warnings.period_start IS 'First day of the flagged figure''s period.';
COMMENT ON COLUMN validation_warnings.period_end IS 'Last day of the flagged figure''s period.';
COMMENT ON COLUMN validation_warnings.assessment IS 'assessed (the source''s own figure) or claimed (a figure it reports from another party).';
COMMENT ON COLUMN validation_warnings.value IS 'The flagged value, in the metric''s catalogue unit.';
COMMENT ON COLUMN validation_warnings.quote IS 'The sentence the figure was read from.';
COMMENT ON COLUMN validation_warnings.url IS 'Where the document came from.';
COMMENT ON COLUMN validation_warnings.document_sha256 IS 'SHA-256 of the raw document (raw_documents.sha256).';

CREATE TABLE anomalies (
    run_id           VARCHAR     NOT NULL,
    source           VARCHAR     NOT NULL,
    detected_at      TIMESTAMPTZ NOT NULL,
    kind             VARCHAR     NOT NULL,
    check_name       VARCHAR     NOT NULL,
    severity         VARCHAR     NOT NULL,
    url              VARCHAR,
    document_sha256  VARCHAR,
    detail           VARCHAR     NOT NULL
);
COMMENT ON TABLE anomalies IS 'What a run found wrong outside row validation: documents whose body or usual figures could not be found, a source that stopped publishing (stale) or could not be reached. Alerted like validation failures.';
COMMENT ON COLUMN anomalies.run_id IS 'The ingest run that found it (ingest_runs.run_id).';
COMMENT ON COLUMN anomalies.source IS 'The source concerned: isw, ukmod, genstaff or curated.';
COMMENT ON COLUMN anomalies.detected_at IS 'When it was found (UTC).';
COMMENT ON COLUMN anomalies.kind IS 'anomaly (a document read wrongly), stale (no new document for longer than the source''s schedule allows) or unreachable.';
COMMENT ON COLUMN anomalies.check_name IS 'What was checked: document_not_parsed, usual_figures_missing, no_new_document, source_unreachable.';
COMMENT ON COLUMN anomalies.severity IS 'critical (the run fails) or warning (the run completes with a warning).';
COMMENT ON COLUMN anomalies.url IS 'The document concerned, when there is one.';
COMMENT ON COLUMN anomalies.document_sha256 IS 'SHA-256 of the document concerned, when there is one.';
COMMENT ON COLUMN anomalies.detail IS 'One line saying what was found, e.g. the parser''s error or the metrics missing.';

CREATE TABLE parsed_document_metrics (
    sha256          VARCHAR NOT NULL,
    parser_version  VARCHAR NOT NULL,
    metric          VARCHAR NOT NULL,
    PRIMARY KEY (sha256, parser_version, metric)
);
COMMENT ON TABLE parsed_document_metrics IS 'Which metrics each parsed document yielded (even figures repeated unchanged and so not stored as new versions): the history against which a document missing its usual figures is spotted.';
COMMENT ON COLUMN parsed_document_metrics.sha256 IS 'SHA-256 of the raw document (parsed_documents.sha256).';
COMMENT ON COLUMN parsed_document_metrics.parser_version IS 'The parser version that read it (parsed_documents.parser_version).';
COMMENT ON COLUMN parsed_document_metrics.metric IS 'A catalogue metric the document yielded at least one figure for.';

ALTER TABLE quarantine ADD COLUMN released_at TIMESTAMPTZ;
ALTER TABLE quarantine ADD COLUMN released_by VARCHAR;
ALTER TABLE quarantine ADD COLUMN release_note VARCHAR;
ALTER TABLE quarantine ADD COLUMN released_version INTEGER;
COMMENT ON COLUMN quarantine.released_at IS 'When a person released the row after review (bulletins quarantine release); NULL while it stays quarantined.';
COMMENT ON COLUMN quarantine.released_by IS 'Who released it (the operating-system user running the command).';
COMMENT ON COLUMN quarantine.release_note IS 'Why it was released, as given with --note.';
COMMENT ON COLUMN quarantine.released_version IS 'The observations.version the released row was stored as; NULL when it repeated the figure in force and added nothing.';

ALTER TABLE ingest_runs ADD COLUMN cursor VARCHAR;
ALTER TABLE ingest_runs ADD COLUMN rows_warned INTEGER;
ALTER TABLE ingest_runs ADD COLUMN problems JSON;
COMMENT ON COLUMN ingest_runs.cursor IS 'The source''s own position where the next incremental run starts (the newest X post id for ukmod, read as since_id); NULL for sources paged by date.';
COMMENT ON COLUMN ingest_runs.rows_warned IS 'Loaded rows that failed a warning expectation (see validation_warnings).';
COMMENT ON COLUMN ingest_runs.problems IS 'The run''s problems as alerted: kind, check, severity, count and examples of each (flows/problems.py RunReport).';
