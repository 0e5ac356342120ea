-- price_index_at(day): the index for day's month: the latest index on or before that month
-- (a month the series skipped takes the one before). NULL for a month before the series
-- starts or after its last published month: carrying the last value forward would silently
-- assume no price change since, so costboard says "unknown" instead.
CREATE MACRO price_index_at(day) AS (
    SELECT arg_max(p.index, p.month)
    FROM price_index AS p
    WHERE p.month <= CAST(date_trunc('month', CAST(day AS DATE)) AS DATE)
      AND CAST(date_trunc('month', CAST(day AS DATE)) AS DATE)
          <= (SELECT max(q.month) FROM price_index AS q)
);
