-- estimates_in_usd_of(usd_month): the estimates view with value, low and high of its
-- dollar rows (is_dollars: usd, usd_per_year, ...) in constant dollars of usd_month; other
-- units are untouched. Epoch AI's rule: a figure is in dollars of its subject's publication
-- month (a model's subjects.released_on), else of the estimate's own date (as_of). Two columns are
-- added: usd_of, the target month, and priced_in, the month converted from (both NULL on
-- rows left alone). A target month with no index is an error; a row whose own month has no
-- index gets NULL value, low and high (see price_index_at). The rule: usd_conversion.
CREATE MACRO estimates_in_usd_of(usd_month) AS TABLE
SELECT * EXCLUDE (u) REPLACE (in_usd(value, u) AS value, in_usd(low, u) AS low, in_usd(high, u) AS high),
       u.usd_of, u.priced_in
FROM (SELECT e.*, usd_conversion(e.unit, s.kind, s.released_on, e.as_of, t) AS u
      FROM estimates AS e LEFT JOIN subjects AS s USING (subject) CROSS JOIN usd_target(usd_month) AS t);
