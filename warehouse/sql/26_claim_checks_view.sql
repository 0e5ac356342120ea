-- claim_checks: what a reader should know about a claim before trusting it, one row per
-- finding (a claim may have several, or none). related_claim_id names the other claim a
-- finding is about, when there is one.
--   matches_other_subject  a dollar figure, not from the party itself, within 2% of a claim
--                          of the same metric and scope about another subject stated on or
--                          before it, itself neither a restatement nor misattributed or
--                          retracted (R1's "$5.6M" against V3's $5.576M)
--   cites_missing          a secondary claim that cites nothing (ingest refuses a cites id
--                          that names no claim, so the one it names is always there)
--   cited_value_differs    a restatement more than 2% from the claim it cites
--   no_comparable_estimate a dollar figure that no stored estimate has the metric and scope of
--                          for its subject (only when the warehouse has estimates at all)
--   outside_all_estimates  outside every comparable estimate's range at its date, by its bound
--                          (the reconciliation view's inside_range, frame at_claim_date)
-- A claim's point is claim_point's (as in reconciliation).
CREATE VIEW claim_checks AS
WITH points AS (
    SELECT claim_id, subject, metric, scope, unit, stated_on, source_kind, cites, status,
           claim_point(value, low, high) AS point
    FROM claims
), matches AS (
    SELECT c.claim_id, 'matches_other_subject' AS check,
           printf('within 2%% of %s''s %s %s (%s, %s): %.4g against %.4g',
                  o.subject, o.metric, o.scope, o.claim_id, o.stated_on, c.point, o.point)
               AS detail,
           o.claim_id AS related_claim_id
    FROM points AS c
    JOIN points AS o
      ON o.metric = c.metric AND o.scope = c.scope AND o.subject <> c.subject
     AND o.stated_on <= c.stated_on
     AND abs(c.point - o.point) <= 0.02 * abs(o.point)
     AND o.source_kind IS DISTINCT FROM 'secondary'
     AND NOT never_evidence(o.status)
    WHERE c.unit = 'usd' AND c.point <> 0 AND c.source_kind IS DISTINCT FROM 'primary'
), cited AS (
    SELECT c.claim_id, c.point, c.metric, unnest(c.cites) AS cited_id
    FROM points AS c
), cites_missing AS (
    SELECT claim_id, 'cites_missing' AS check,
           'a secondary claim that names no claim it restates' AS detail,
           NULL AS related_claim_id
    FROM points
    WHERE source_kind = 'secondary' AND cites IS NULL
), differs AS (
    SELECT r.claim_id, 'cited_value_differs' AS check,
           CASE WHEN o.metric <> r.metric
                THEN printf('restates %s, a %s, as a %s', o.claim_id, o.metric, r.metric)
                ELSE printf('restates %s (%.4g) as %.4g: %+.1f%%', o.claim_id, o.point, r.point,
                            100 * (r.point / o.point - 1))
           END AS detail,
           o.claim_id AS related_claim_id
    FROM cited AS r
    JOIN points AS o ON o.claim_id = r.cited_id
    WHERE o.metric <> r.metric OR abs(r.point - o.point) > 0.02 * abs(o.point)
), uncompared AS (
    SELECT c.claim_id, 'no_comparable_estimate' AS check,
           printf('no estimator gives %s %s for %s', c.metric, c.scope, c.subject) AS detail,
           NULL AS related_claim_id
    FROM points AS c
    WHERE c.unit = 'usd'
      AND EXISTS (SELECT 1 FROM estimates)
      AND NOT EXISTS (SELECT 1 FROM estimates AS e
                      WHERE e.subject = c.subject AND e.metric = c.metric AND e.scope = c.scope)
), outside AS (
    SELECT claim_id, 'outside_all_estimates' AS check,
           'outside every estimate''s range: ' || string_agg(
               printf('%s %.4g–%.4g', estimator, low, high), '; ' ORDER BY estimator) AS detail,
           NULL AS related_claim_id
    FROM reconciliation
    WHERE frame = 'at_claim_date' AND estimator IS NOT NULL
    GROUP BY claim_id
    HAVING NOT bool_or(coalesce(inside_range, false))
)
SELECT * FROM matches
UNION ALL SELECT * FROM cites_missing
UNION ALL SELECT * FROM differs
UNION ALL SELECT * FROM uncompared
UNION ALL SELECT * FROM outside;
