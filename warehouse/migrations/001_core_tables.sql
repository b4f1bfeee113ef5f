-- Core tables of the metrics store. Append-only by convention: the pipeline never UPDATEs
-- observations; a changed figure is a new row with the next version (DESIGN.md §4).

CREATE TABLE raw_documents (
    sha256         VARCHAR     NOT NULL,
    source         VARCHAR     NOT NULL,
    url            VARCHAR     NOT NULL,
    content_type   VARCHAR,
    size_bytes     BIGINT      NOT NULL,
    etag           VARCHAR,
    last_modified  VARCHAR,
    headers        JSON,
    fetched_at     TIMESTAMPTZ NOT NULL,
    run_id         VARCHAR,
    -- Relative to the raw store root: the bytes live on disk, content-addressed.
    path           VARCHAR     NOT NULL,
    PRIMARY KEY (sha256, url)
);

CREATE TABLE fetch_attempts (
    run_id        VARCHAR,
    source        VARCHAR     NOT NULL,
    url           VARCHAR     NOT NULL,
    attempted_at  TIMESTAMPTZ NOT NULL,
    status        INTEGER,
    error         VARCHAR,
    elapsed_ms    DOUBLE,
    retry_after_s DOUBLE
);

CREATE TABLE ingest_runs (
    run_id                VARCHAR     PRIMARY KEY,
    source                VARCHAR     NOT NULL,
    mode                  VARCHAR     NOT NULL,   -- incremental | backfill | reparse
    parameters            JSON,
    started_at            TIMESTAMPTZ NOT NULL,
    finished_at           TIMESTAMPTZ,
    status                VARCHAR     NOT NULL,   -- running | completed | failed
    documents_discovered  INTEGER,
    documents_fetched     INTEGER,
    documents_unchanged   INTEGER,
    documents_failed      INTEGER,
    observations_parsed   INTEGER,
    rows_appended         INTEGER,
    rows_quarantined      INTEGER,
    -- Highest sitemap lastmod / report date seen: where the next incremental run starts.
    watermark             TIMESTAMPTZ,
    message               VARCHAR
);

-- Which parser version has read which document, so an unchanged document is not re-read
-- and a parser upgrade can find what it still has to re-read.
CREATE TABLE parsed_documents (
    sha256          VARCHAR     NOT NULL,
    parser_version  VARCHAR     NOT NULL,
    run_id          VARCHAR,
    parsed_at       TIMESTAMPTZ NOT NULL,
    observations    INTEGER     NOT NULL,
    PRIMARY KEY (sha256, parser_version)
);

CREATE TABLE observations (
    source           VARCHAR     NOT NULL,
    metric           VARCHAR     NOT NULL,
    subject          VARCHAR     NOT NULL,
    period_start     DATE        NOT NULL,
    period_end       DATE        NOT NULL,
    value            DOUBLE      NOT NULL,
    value_low        DOUBLE,
    value_high       DOUBLE,
    unit             VARCHAR     NOT NULL,
    qualifier        VARCHAR     NOT NULL,
    confidence       VARCHAR,
    assessment       VARCHAR     NOT NULL,
    quote            VARCHAR,
    published_at     DATE        NOT NULL,
    url              VARCHAR,
    document_sha256  VARCHAR,
    parser_version   VARCHAR     NOT NULL,
    version          INTEGER     NOT NULL,
    recorded_at      TIMESTAMPTZ NOT NULL,
    run_id           VARCHAR     NOT NULL,
    PRIMARY KEY (source, metric, subject, period_start, period_end, assessment, version)
);

CREATE TABLE validation_results (
    run_id          VARCHAR     NOT NULL,
    source          VARCHAR     NOT NULL,
    suite           VARCHAR     NOT NULL,
    validated_at    TIMESTAMPTZ NOT NULL,
    success         BOOLEAN     NOT NULL,
    rows_checked    INTEGER     NOT NULL,
    rows_quarantined INTEGER    NOT NULL,
    rows_warned     INTEGER     NOT NULL,
    -- One entry per expectation: name, severity, success, unexpected_count, examples.
    expectations    JSON,
    -- The full Great Expectations result, for audits.
    result          JSON
);

CREATE TABLE quarantine (
    quarantine_id        VARCHAR     PRIMARY KEY,
    run_id               VARCHAR     NOT NULL,
    quarantined_at       TIMESTAMPTZ NOT NULL,
    failed_expectations  VARCHAR[]   NOT NULL,
    reason               VARCHAR     NOT NULL,
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
