-- Chart 2, upper panel of `bulletins report`: Russian personnel losses since the invasion began.
-- The General Staff's daily cumulative count (series genstaff) and the UK MoD's statements of
-- cumulative casualties (series ukmod), each dated by the day the figure is "as of".
-- Columns as in report_territory_monthly.sql.
SELECT
    source        AS series,
    period_end    AS x,
    value         AS y,
    qualifier,
    quote,
    url,
    published_at
FROM observations_latest
WHERE subject = 'RU'
  AND assessment = 'assessed'
  AND ((source = 'genstaff' AND metric = 'personnel_cumulative')
       OR (source = 'ukmod' AND metric = 'casualties_cumulative'))
ORDER BY series, x;
