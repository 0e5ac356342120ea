-- claims_in_usd_of(usd_month): the claims view with value, low and high of its dollar
-- claims (dollar units: is_dollars) in constant dollars of usd_month, by the same rule as
-- estimates_in_usd_of: from a model's publication month, else the claim's stated_on (a chip's
-- 2025 price is in 2025 dollars, not in those of the chip's release).
-- A claim and an estimate of the same subject and date convert by the same factor, so
-- claim / estimate ratios do not move. The *_as_written columns stay as written.
CREATE MACRO claims_in_usd_of(usd_month) AS TABLE
SELECT * EXCLUDE (u) REPLACE (in_usd(value, u) AS value, in_usd(low, u) AS low, in_usd(high, u) AS high),
       u.usd_of, u.priced_in
FROM (SELECT c.*, usd_conversion(c.unit, s.kind, s.released_on, c.stated_on, t) AS u
      FROM claims AS c LEFT JOIN subjects AS s USING (subject) CROSS JOIN usd_target(usd_month) AS t);
