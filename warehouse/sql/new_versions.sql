-- Which rows of the registered relation `batch` become new versions (DESIGN.md §4, Versioning).
-- Parameters: $recorded_at (this load's transaction time).
--
-- A candidate row is appended when
--  (a) the same statement (same key, document, parser version, value, bounds and qualifier) is
--      not stored already: a re-run of the same documents adds nothing; and
--  (b) its value, bounds or qualifier differ from the statement in force at its published date:
--      the previous row of the key ordered by (published_at, recorded_at). A later bulletin that
--      repeats a figure adds nothing; a restatement, a revision or a parser fix adds a version;
--      an old bulletin read late slots into the history without becoming current.
WITH candidates AS (
    SELECT b.*
    FROM batch AS b
    WHERE NOT EXISTS (
        SELECT 1
        FROM observations AS o
        WHERE o.source = b.source AND o.metric = b.metric AND o.subject = b.subject
          AND o.period_start = b.period_start AND o.period_end = b.period_end
          AND o.assessment = b.assessment
          AND o.document_sha256 IS NOT DISTINCT FROM b.document_sha256
          AND o.parser_version = b.parser_version
          AND o.value = b.value
          AND o.value_low IS NOT DISTINCT FROM b.value_low
          AND o.value_high IS NOT DISTINCT FROM b.value_high
          AND o.qualifier = b.qualifier
    )
    -- One statement per key and document: a report that repeats a figure states it once.
    QUALIFY row_number() OVER (
        PARTITION BY source, metric, subject, period_start, period_end, assessment, document_sha256
        ORDER BY batch_seq
    ) = 1
),
stored AS (
    SELECT o.source, o.metric, o.subject, o.period_start, o.period_end, o.assessment,
           o.value, o.value_low, o.value_high, o.qualifier, o.published_at, o.recorded_at,
           o.version, NULL::BIGINT AS batch_seq
    FROM observations AS o
    SEMI JOIN candidates AS c
        USING (source, metric, subject, period_start, period_end, assessment)
),
chain AS (
    SELECT *, FALSE AS is_candidate FROM stored
    UNION ALL
    SELECT source, metric, subject, period_start, period_end, assessment,
           value, value_low, value_high, qualifier, published_at,
           CAST($recorded_at AS TIMESTAMPTZ) AS recorded_at, NULL::INTEGER AS version, batch_seq,
           TRUE AS is_candidate
    FROM candidates
),
compared AS (
    SELECT
        *,
        lag(value) OVER key_order AS previous_value,
        lag(value_low) OVER key_order AS previous_low,
        lag(value_high) OVER key_order AS previous_high,
        lag(qualifier) OVER key_order AS previous_qualifier,
        row_number() OVER key_order AS position,
        max(version) OVER (PARTITION BY source, metric, subject, period_start, period_end, assessment)
            AS stored_version
    FROM chain
    WINDOW key_order AS (
        PARTITION BY source, metric, subject, period_start, period_end, assessment
        ORDER BY published_at, recorded_at, version NULLS LAST, batch_seq
    )
),
appended AS (
    SELECT batch_seq, source, metric, subject, period_start, period_end, assessment, stored_version
    FROM compared
    WHERE is_candidate
      AND (
          position = 1
          OR value IS DISTINCT FROM previous_value
          OR value_low IS DISTINCT FROM previous_low
          OR value_high IS DISTINCT FROM previous_high
          OR qualifier IS DISTINCT FROM previous_qualifier
      )
)
SELECT
    c.source, c.metric, c.subject, c.period_start, c.period_end, c.value, c.value_low, c.value_high,
    c.unit, c.qualifier, c.confidence, c.assessment, c.quote, c.published_at, c.url,
    c.document_sha256, c.parser_version,
    CAST(coalesce(a.stored_version, 0) + row_number() OVER (
        PARTITION BY a.source, a.metric, a.subject, a.period_start, a.period_end, a.assessment
        ORDER BY c.published_at, c.batch_seq
    ) AS INTEGER) AS version,
    CAST($recorded_at AS TIMESTAMPTZ) AS recorded_at,
    CAST($run_id AS VARCHAR) AS run_id
FROM appended AS a
JOIN candidates AS c USING (batch_seq)
