-- claims_in_usd_of(usd_month): the claims view with value, low and high of its dollar
-- claims (dollar units: is_dollars) in constant dollars of usd_month, by the same rule as
-- estimates_in_usd_of: from a model's publication month, else the claim's stated_on (a chip's
-- 2025 price is in 2025 dollars, not in those of the chip's release).
-- A claim and an estimate of the same subject and date convert by the same factor, so
-- claim / estimate ratios do not move. The *_as_written columns stay as written.
CREATE MACRO claims_in_usd_of(usd_month) AS TABLE
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
    SELECT c.*,
           CASE WHEN is_dollars(c.unit)
                THEN CAST(date_trunc('month', coalesce(CASE WHEN s.kind = 'model' THEN s.released_on END, c.stated_on)) AS DATE)
           END AS priced_in
    FROM claims AS c
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
