-- Chart 2, lower panel of `bulletins report`: General Staff personnel losses per calendar month
-- under the MoD convention (1st of the month to 1st of the next) and the ISW convention (last
-- day of the previous month to last day of the month), from genstaff_monthly_casualties.
-- The quotes are the two reports subtracted; the link is the closing report's.
-- Columns as in report_territory_monthly.sql; y is NULL when a report is missing.
WITH personnel AS (
    SELECT period_end AS report_date, quote, url
    FROM observations_latest
    WHERE source = 'genstaff'
      AND metric = 'personnel_cumulative'
      AND subject = 'RU'
      AND assessment = 'assessed'
),
by_convention AS (
    SELECT 'mod_convention' AS series, month, mod_casualties AS casualties, mod_daily_avg AS daily_avg,
           mod_open_date AS from_report, mod_close_date AS to_report
    FROM genstaff_monthly_casualties
    UNION ALL
    SELECT 'isw_convention', month, isw_casualties, isw_daily_avg, isw_open_date, isw_close_date
    FROM genstaff_monthly_casualties
)
SELECT
    c.series,
    c.month                                     AS x,
    c.casualties                                AS y,
    'exact'                                     AS qualifier,
    concat_ws(' / ', opening.quote, closing.quote) AS quote,
    coalesce(closing.url, opening.url)          AS url,
    c.daily_avg,
    c.from_report,
    c.to_report
FROM by_convention AS c
LEFT JOIN personnel AS opening ON opening.report_date = c.from_report
LEFT JOIN personnel AS closing ON closing.report_date = c.to_report
ORDER BY c.series, x;
