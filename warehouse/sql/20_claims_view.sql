-- claims: the current claims with their source, and how each reached us (bound, source_kind,
-- cites, status, outlet), with the defaults filled in for rows written before those existed.
-- Evidence time: after SET VARIABLE evidence_until = DATE 'YYYY-MM-DD' only the claims stated
-- on or before that day (unset: all of them): known_by_evidence_date.
CREATE VIEW claims AS
SELECT c.claim_id, c.subject, c.metric, c.scope, c.qualifier,
       c.value, c.low, c.high, c.unit,
       c.value_as_written, c.low_as_written, c.high_as_written, c.unit_as_written,
       c.claimant, c.stated_on, coalesce(c.stated_on_precision, 'day') AS stated_on_precision,
       c.source_url, coalesce(s.source_title, c.source_title) AS source_title, c.outlet,
       c.quote, c.note,
       coalesce(c.bound, 'exact') AS bound, c.source_kind, c.cites,
       coalesce(c.status, 'current') AS status, c.status_note
FROM claim_records AS c
LEFT JOIN sources AS s USING (source_url)
WHERE known_by_evidence_date(c.stated_on);
