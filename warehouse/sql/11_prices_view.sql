-- prices: daily market data per ticker, with where each row came from.
CREATE VIEW prices AS
SELECT ticker, date, open, high, low, close, adj_close, volume, adjusted, source_url
FROM price_records;
