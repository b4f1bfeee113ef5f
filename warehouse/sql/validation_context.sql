-- What the warehouse already says about each row of a batch, so that Great Expectations can check a
-- batch against stored figures (issue 5, "checks against what is stored"; issue 4, cross-source).
--
-- Input: the registered relation `batch` (observation columns + row_position). Output: one row per
-- batch row, keyed by row_position, with these context columns (NULL when there is nothing to compare):
--
--   period_days               days in the row's period, both ends counted
--   previous_value            cumulative series: the value of the latest earlier report of the same
--   previous_period_end       series (stored current figures and this batch together)
--   daily_increase            (value - previous_value) per day between the two reports
--   trailing_median_increase  median daily increase over the 30 reports before this one
--   increase_over_median      daily_increase / trailing_median_increase, only when that median is at
--                             least 10 a day: for series that move by a handful (missiles, planes),
--                             5 times the median is ordinary noise (68 warnings on 2024-2025 data),
--                             and only after 10 reports: the median of two days judges nothing
--   decrease_share            (previous_value - value) / previous_value when the series fell
--   stored_value, stored_version, stored_url
--                             the stored current statement of the same key when its value differs:
--                             this row restates it
--   restatement_change        |value - stored_value| / stored_value
--   territory_gained_same_period, implied_km2_ratio
--                             territory_gain_rate × period_days against territory_gained of the same
--                             source, subject and period (attached to whichever of the two is in the batch)
--   genstaff_same_period, genstaff_ratio
--                             the General Staff personnel figure for the row's period under the
--                             row's source convention — MoD daily averages: (report on the day after
--                             the period minus report on its first day) / days; ISW casualties in a
--                             period: report on its last day minus report on the day before it — and
--                             value / that figure
WITH batch_rows AS (
    SELECT row_position, source, metric, subject, assessment, value,
           CAST(period_start AS DATE) AS period_start, CAST(period_end AS DATE) AS period_end
    FROM batch
),
batch_keys AS (
    SELECT DISTINCT source, metric, subject, assessment, period_start, period_end FROM batch_rows
),
stored_not_in_batch AS (
    SELECT o.source, o.metric, o.subject, o.assessment, o.period_start, o.period_end, o.value
    FROM observations_latest AS o
    WHERE o.source IN (SELECT source FROM batch_rows)
      AND NOT EXISTS (
          SELECT 1 FROM batch_keys AS k
          WHERE k.source = o.source AND k.metric = o.metric AND k.subject = o.subject
            AND k.assessment = o.assessment AND k.period_start = o.period_start AND k.period_end = o.period_end
      )
),
series AS (
    SELECT NULL::BIGINT AS row_position, * FROM stored_not_in_batch
    UNION ALL
    SELECT row_position, source, metric, subject, assessment, period_start, period_end, value FROM batch_rows
),
cumulative_steps AS (
    SELECT *,
           lag(value) OVER by_report AS previous_value,
           lag(period_end) OVER by_report AS previous_period_end
    FROM series
    WHERE metric LIKE '%\_cumulative' ESCAPE '\'
    WINDOW by_report AS (PARTITION BY source, metric, subject, assessment ORDER BY period_end, row_position NULLS FIRST)
),
cumulative_increases AS (
    SELECT *,
           (value - previous_value) / greatest(date_diff('day', previous_period_end, period_end), 1) AS daily_increase
    FROM cumulative_steps
),
cumulative AS (
    SELECT *,
           median(daily_increase) OVER (
               PARTITION BY source, metric, subject, assessment
               ORDER BY period_end, row_position NULLS FIRST
               ROWS BETWEEN 30 PRECEDING AND 1 PRECEDING
           ) AS trailing_median_increase,
           count(daily_increase) OVER (
               PARTITION BY source, metric, subject, assessment
               ORDER BY period_end, row_position NULLS FIRST
               ROWS BETWEEN 30 PRECEDING AND 1 PRECEDING
           ) AS trailing_reports
    FROM cumulative_increases
),
restated AS (
    SELECT b.row_position, o.value AS stored_value, o.version AS stored_version, o.url AS stored_url
    FROM batch_rows AS b
    JOIN observations_latest AS o USING (source, metric, subject, assessment, period_start, period_end)
    WHERE o.value <> b.value
),
rates AS (SELECT * FROM series WHERE metric = 'territory_gain_rate'),
gains AS (SELECT * FROM series WHERE metric = 'territory_gained'),
rate_pairs AS (
    SELECT r.row_position AS rate_row, g.row_position AS gained_row, g.value AS territory_gained,
           r.value * (date_diff('day', r.period_start, r.period_end) + 1) / nullif(g.value, 0) AS implied_km2_ratio
    FROM rates AS r
    JOIN gains AS g USING (source, subject, assessment, period_start, period_end)
    WHERE r.row_position IS NOT NULL OR g.row_position IS NOT NULL
),
rate_check AS (
    SELECT rate_row AS row_position, territory_gained, implied_km2_ratio FROM rate_pairs WHERE rate_row IS NOT NULL
    UNION ALL
    SELECT gained_row, territory_gained, implied_km2_ratio FROM rate_pairs WHERE gained_row IS NOT NULL
),
personnel AS (
    SELECT period_end AS report_date, value
    FROM observations_latest
    WHERE source = 'genstaff' AND metric = 'personnel_cumulative' AND subject = 'RU' AND assessment = 'assessed'
),
cross_source AS (
    SELECT
        b.row_position,
        CASE
            WHEN b.source = 'ukmod' THEN (mod_close.value - mod_open.value)
                                         / (date_diff('day', b.period_start, b.period_end) + 1)
            ELSE isw_close.value - isw_open.value
        END AS genstaff_same_period
    FROM batch_rows AS b
    LEFT JOIN personnel AS mod_open  ON mod_open.report_date  = b.period_start
    LEFT JOIN personnel AS mod_close ON mod_close.report_date = b.period_end + 1
    LEFT JOIN personnel AS isw_open  ON isw_open.report_date  = b.period_start - 1
    LEFT JOIN personnel AS isw_close ON isw_close.report_date = b.period_end
    WHERE b.subject = 'RU'
      AND ((b.source = 'ukmod' AND b.metric = 'casualties_daily_avg')
        OR (b.source = 'isw' AND b.metric = 'casualties_in_period'))
)
SELECT
    b.row_position,
    date_diff('day', b.period_start, b.period_end) + 1 AS period_days,
    c.previous_value,
    c.previous_period_end,
    c.daily_increase,
    c.trailing_median_increase,
    CASE WHEN c.trailing_median_increase >= 10 AND c.trailing_reports >= 10
         THEN c.daily_increase / c.trailing_median_increase END
        AS increase_over_median,
    CASE WHEN c.value < c.previous_value THEN (c.previous_value - c.value) / c.previous_value END
        AS decrease_share,
    r.stored_value,
    r.stored_version,
    r.stored_url,
    abs(b.value - r.stored_value) / nullif(r.stored_value, 0) AS restatement_change,
    k.territory_gained AS territory_gained_same_period,
    k.implied_km2_ratio,
    x.genstaff_same_period,
    b.value / nullif(x.genstaff_same_period, 0) AS genstaff_ratio
FROM batch_rows AS b
LEFT JOIN cumulative AS c ON c.row_position = b.row_position
LEFT JOIN restated AS r ON r.row_position = b.row_position
LEFT JOIN (SELECT DISTINCT ON (row_position) * FROM rate_check) AS k ON k.row_position = b.row_position
LEFT JOIN cross_source AS x ON x.row_position = b.row_position
ORDER BY b.row_position
