-- estimates_in_usd_of(usd_month): the estimates view with value, low and high of its
-- dollar rows (is_dollars: usd, usd_per_year, ...) in constant dollars of usd_month; other
-- units are untouched. Epoch AI's rule: a figure is in dollars of its subject's publication
-- month (a model's subjects.released_on), else of the estimate's own date (as_of). Two columns are
-- added: usd_of, the target month, and priced_in, the month converted from (both NULL on
-- rows left alone). A target month with no index is an error; a row whose own month has no
-- index gets NULL value, low and high (see price_index_at).
CREATE MACRO estimates_in_usd_of(usd_month) AS TABLE
WITH target AS (
    SELECT CAST(date_trunc('month', CAST(usd_month AS DATE)) AS DATE) AS usd_of,
           coalesce(price_index_at(usd_month),
                    error('no price index for ' || strftime(CAST(usd_month AS DATE), '%Y-%m')
                          || ': price_index runs from '
                          || coalesce(strftime((SELECT min(i.month) FROM price_index AS i), '%Y-%m'), '?')
                          || ' to '
                          || coalesce(strftime((SELECT max(i.month) FROM price_index AS i), '%Y-%m'), '?')
                    )) AS target_index
),
priced AS (
    SELECT e.*,
           CASE WHEN is_dollars(e.unit)
                THEN CAST(date_trunc('month', coalesce(CASE WHEN s.kind = 'model' THEN s.released_on END, e.as_of)) AS DATE)
           END AS priced_in
    FROM estimates AS e
    LEFT JOIN subjects AS s USING (subject)
),
factors AS (
    SELECT p.*, t.usd_of, t.target_index / price_index_at(p.priced_in) AS factor
    FROM priced AS p CROSS JOIN target AS t
)
SELECT f.* EXCLUDE (usd_of, priced_in, factor) REPLACE (
           CASE WHEN is_dollars(f.unit) THEN f.value * f.factor ELSE f.value END AS value,
           CASE WHEN is_dollars(f.unit) THEN f.low * f.factor ELSE f.low END AS low,
           CASE WHEN is_dollars(f.unit) THEN f.high * f.factor ELSE f.high END AS high
       ),
       CASE WHEN is_dollars(f.unit) THEN f.usd_of END AS usd_of,
       f.priced_in
FROM factors AS f;
