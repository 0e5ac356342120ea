-- price_index: the monthly price index costs are converted to constant dollars with.
-- FRED series PCU518210518210 (US producer price index, data processing and hosting), the
-- one Epoch AI uses; ingested by the fred importer into prices (close = the index value,
-- one row per month, dated the month's first day). month is that first day.
CREATE VIEW price_index AS
SELECT CAST(date_trunc('month', date) AS DATE) AS month, close AS index
FROM price_records
WHERE ticker = 'PCU518210518210';
