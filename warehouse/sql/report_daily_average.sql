-- Chart 2, bottom panel of `bulletins report`: average Russian casualties per day in a calendar
-- month. Series ukmod: each monthly average the UK MoD stated (mod_monthly_casualties); series
-- genstaff: the General Staff's average for every month under the MoD convention (report of the 1st
-- of the next month minus report of the 1st, per day; genstaff_monthly_casualties), linked to the
-- closing report. Columns as in report_territory_monthly.sql; y is NULL when a report is missing.
SELECT
    'ukmod'           AS series,
    month             AS x,
    mod_value         AS y,
    mod_qualifier     AS qualifier,
    quote,
    url,
    genstaff_value    AS genstaff_same_month,
    published_at
FROM mod_monthly_casualties
WHERE metric = 'casualties_daily_avg'
UNION ALL
SELECT
    'genstaff',
    g.month,
    g.mod_daily_avg,
    'exact',
    closing.quote,
    closing.url,
    NULL,
    closing.published_at
FROM genstaff_monthly_casualties AS g
LEFT JOIN observations_latest AS closing
       ON closing.source = 'genstaff' AND closing.metric = 'personnel_cumulative' AND closing.subject = 'RU'
      AND closing.assessment = 'assessed' AND closing.period_end = g.mod_close_date
ORDER BY series, x;
