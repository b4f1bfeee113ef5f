-- Russian personnel losses per calendar month from the General Staff's cumulative daily reports,
-- under the two conventions the bulletins use (DESIGN.md §5, issue 4):
--
--   MoD: report dated the 1st of the next month minus report dated the 1st of the month
--        (the UK MoD's monthly daily averages, e.g. September 2024: 1,271 a day);
--   ISW: report dated the last day of the month minus report dated the last day of the
--        previous month.
--
-- daily average = month's losses / days in the month. The report dates and values used are shown
-- beside each result; when a needed report is missing the result is NULL, never interpolated.
-- One row per month that has at least one report. Reads the current figures (observations_latest).
CREATE OR REPLACE VIEW genstaff_monthly_casualties AS
WITH personnel AS (
    SELECT period_end AS report_date, value AS personnel_cumulative
    FROM observations_latest
    WHERE source = 'genstaff'
      AND metric = 'personnel_cumulative'
      AND subject = 'RU'
      AND assessment = 'assessed'
),
months AS (
    SELECT DISTINCT CAST(date_trunc('month', report_date) AS DATE) AS month
    FROM personnel
),
report_dates AS (
    SELECT
        month,
        CAST(last_day(month) AS DATE)                                 AS month_end,
        day(last_day(month))                                          AS days_in_month,
        month                                                         AS mod_open_date,
        CAST(month + INTERVAL 1 MONTH AS DATE)                        AS mod_close_date,
        CAST(month - INTERVAL 1 DAY AS DATE)                          AS isw_open_date,
        CAST(last_day(month) AS DATE)                                 AS isw_close_date
    FROM months
)
SELECT
    d.month,
    d.month_end,
    d.days_in_month,
    -- MoD convention
    d.mod_open_date,
    mod_open.personnel_cumulative                                     AS mod_open_personnel,
    d.mod_close_date,
    mod_close.personnel_cumulative                                    AS mod_close_personnel,
    mod_close.personnel_cumulative - mod_open.personnel_cumulative    AS mod_casualties,
    (mod_close.personnel_cumulative - mod_open.personnel_cumulative)
        / d.days_in_month                                             AS mod_daily_avg,
    -- ISW convention
    d.isw_open_date,
    isw_open.personnel_cumulative                                     AS isw_open_personnel,
    d.isw_close_date,
    isw_close.personnel_cumulative                                    AS isw_close_personnel,
    isw_close.personnel_cumulative - isw_open.personnel_cumulative    AS isw_casualties,
    (isw_close.personnel_cumulative - isw_open.personnel_cumulative)
        / d.days_in_month                                             AS isw_daily_avg
FROM report_dates AS d
LEFT JOIN personnel AS mod_open  ON mod_open.report_date  = d.mod_open_date
LEFT JOIN personnel AS mod_close ON mod_close.report_date = d.mod_close_date
LEFT JOIN personnel AS isw_open  ON isw_open.report_date  = d.isw_open_date
LEFT JOIN personnel AS isw_close ON isw_close.report_date = d.isw_close_date
ORDER BY d.month;
