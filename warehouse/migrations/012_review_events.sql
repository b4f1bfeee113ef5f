-- Reviews are recorded as events, never updated (issue 12), as runs are (011): releasing a
-- quarantined row appends to quarantine_releases instead of an UPDATE, which on DuckLake would
-- conflict with any ingest quarantining rows at the same time. `quarantine`, the relation readers
-- know, becomes a view with the same columns as before: each quarantined row with its release.

CREATE TABLE quarantined_rows (
    quarantine_id        VARCHAR NOT NULL,
    run_id               VARCHAR NOT NULL,
    quarantined_at       TIMESTAMP WITH TIME ZONE NOT NULL,
    failed_expectations  VARCHAR[] NOT NULL,
    reason               VARCHAR NOT NULL,
    source               VARCHAR,
    metric               VARCHAR,
    subject              VARCHAR,
    period_start         DATE,
    period_end           DATE,
    value                DOUBLE,
    value_low            DOUBLE,
    value_high           DOUBLE,
    unit                 VARCHAR,
    qualifier            VARCHAR,
    confidence           VARCHAR,
    assessment           VARCHAR,
    quote                VARCHAR,
    published_at         DATE,
    url                  VARCHAR,
    document_sha256      VARCHAR,
    parser_version       VARCHAR
);

CREATE TABLE quarantine_releases (
    quarantine_id        VARCHAR NOT NULL,
    released_at          TIMESTAMP WITH TIME ZONE NOT NULL,
    released_by          VARCHAR,
    release_note         VARCHAR,
    released_version     INTEGER
);

INSERT INTO quarantined_rows BY NAME
SELECT * EXCLUDE (released_at, released_by, release_note, released_version) FROM quarantine;
INSERT INTO quarantine_releases BY NAME
SELECT quarantine_id, released_at, released_by, release_note, released_version FROM quarantine
WHERE released_at IS NOT NULL;
DROP TABLE quarantine;

-- A row released twice (two reviewers at once) shows its first release.
CREATE VIEW quarantine AS
SELECT q.*, r.released_at, r.released_by, r.release_note, r.released_version
FROM quarantined_rows AS q
LEFT JOIN (
    SELECT * FROM quarantine_releases
    QUALIFY row_number() OVER (PARTITION BY quarantine_id ORDER BY released_at) = 1
) AS r ON r.quarantine_id = q.quarantine_id;

COMMENT ON TABLE quarantined_rows IS
    'Every row a critical expectation held back, appended by the loader; quarantine shows each with its release, if any.';
COMMENT ON TABLE quarantine_releases IS
    'One row per release of a quarantined row after review (bulletins quarantine release), appended, never updated.';
COMMENT ON VIEW quarantine IS
    'Figures that failed a critical expectation, never loaded into observations: the figure as parsed, with the expectations it failed and why. The same figure from the same document is stored once. Each row of quarantined_rows with its first release from quarantine_releases.';
COMMENT ON COLUMN quarantined_rows.quarantine_id IS
    'Random identifier of the quarantined row.';
COMMENT ON COLUMN quarantined_rows.run_id IS
    'The ingest run that quarantined it.';
COMMENT ON COLUMN quarantined_rows.quarantined_at IS
    'When it was quarantined (UTC).';
COMMENT ON COLUMN quarantined_rows.failed_expectations IS
    'Names of the critical expectations the figure failed.';
COMMENT ON COLUMN quarantined_rows.reason IS
    'Why, in words: the failed expectations and the offending values.';
COMMENT ON COLUMN quarantined_rows.source IS
    'Who stated the figure: isw (Institute for the Study of War), ukmod (UK Ministry of Defence), genstaff (General Staff of Ukraine''s Armed Forces) or curated (reviewed press figures from curated/figures.yaml).';
COMMENT ON COLUMN quarantined_rows.metric IS
    'What the figure measures, from the catalogue of DESIGN.md §4 (territory_gained, casualties_daily_avg, ...); General Staff counts are <equipment>_cumulative and personnel_cumulative.';
COMMENT ON COLUMN quarantined_rows.subject IS
    'Whose gains or losses: RU (Russian forces) unless stated, UA (Ukrainian), KP (North Korean).';
COMMENT ON COLUMN quarantined_rows.period_start IS
    'First day of the interval the figure covers, inclusive ("in March 2025" starts 2025-03-01; cumulative totals start on 2022-02-24).';
COMMENT ON COLUMN quarantined_rows.period_end IS
    'Last day of the interval the figure covers, inclusive; for "so far" figures the bulletin''s date or its stated data cut-off.';
COMMENT ON COLUMN quarantined_rows.value IS
    'The figure in the catalogue unit (square miles converted to km2); for a stated range, its midpoint.';
COMMENT ON COLUMN quarantined_rows.value_low IS
    'Lower bound of a stated range (qualifier range), else NULL.';
COMMENT ON COLUMN quarantined_rows.value_high IS
    'Upper bound of a stated range (qualifier range), else NULL.';
COMMENT ON COLUMN quarantined_rows.unit IS
    'Unit of value: km2, km2_per_day, persons, persons_per_day, persons_per_km2 or count.';
COMMENT ON COLUMN quarantined_rows.qualifier IS
    'How the source hedged the number: exact, approximately, over, under, up_to or range.';
COMMENT ON COLUMN quarantined_rows.confidence IS
    'The source''s probability word if it gave one (likely, highly likely, almost certainly, ...), else NULL.';
COMMENT ON COLUMN quarantined_rows.assessment IS
    'assessed: the source''s own figure; claimed: a claim the source reports (a Kremlin claim in an ISW report, say).';
COMMENT ON COLUMN quarantined_rows.quote IS
    'The sentence the figure was read from, in the source''s words (the original units kept).';
COMMENT ON COLUMN quarantined_rows.published_at IS
    'Date of the bulletin that stated the figure; the current value of a key is the one from the latest bulletin.';
COMMENT ON COLUMN quarantined_rows.url IS
    'Where the bulletin was fetched from.';
COMMENT ON COLUMN quarantined_rows.document_sha256 IS
    'sha256 of the fetched document; raw_documents.sha256 and the raw store file name.';
COMMENT ON COLUMN quarantined_rows.parser_version IS
    'Parser that read the figure (isw-1, say); a parser fix that changes a figure adds a version.';
COMMENT ON COLUMN quarantine_releases.quarantine_id IS
    'The released row (quarantined_rows.quarantine_id).';
COMMENT ON COLUMN quarantine_releases.released_at IS
    'When a person released the row after review (bulletins quarantine release); NULL while it stays quarantined.';
COMMENT ON COLUMN quarantine_releases.released_by IS
    'Who released it (the operating-system user running the command).';
COMMENT ON COLUMN quarantine_releases.release_note IS
    'Why it was released, as given with --note.';
COMMENT ON COLUMN quarantine_releases.released_version IS
    'The observations.version the released row was stored as; NULL when it repeated the figure in force and added nothing.';

-- Columns the views take from their tables keep those tables' comments (warehouse/db.py).
-- @column-comments quarantine from quarantined_rows
-- @column-comments quarantine from quarantine_releases
