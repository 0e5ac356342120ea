-- prices: daily market data per ticker, with where each row came from.
-- Evidence time: after SET VARIABLE evidence_until = DATE 'YYYY-MM-DD' only the prices dated
-- on or before that day (unset: all of them): known_by_evidence_date.
CREATE VIEW prices AS
SELECT ticker, date, open, high, low, close, adj_close, volume, adjusted, source_url
FROM price_records
WHERE known_by_evidence_date(date);
