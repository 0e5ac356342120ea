-- claims: the current claims with their source.
CREATE VIEW claims AS
SELECT c.claim_id, c.subject, c.metric, c.scope, c.qualifier,
       c.value, c.low, c.high, c.unit,
       c.value_as_written, c.low_as_written, c.high_as_written, c.unit_as_written,
       c.claimant, c.stated_on, c.source_url, s.source_title, c.quote, c.note
FROM claim_records AS c
LEFT JOIN sources AS s USING (source_url);
