-- price_records: daily market data. Natural key: (ticker, date).
CREATE TABLE price_records (
    ticker     VARCHAR NOT NULL,
    date       DATE NOT NULL,
    open       DOUBLE,
    high       DOUBLE,
    low        DOUBLE,
    close      DOUBLE NOT NULL,
    adj_close  DOUBLE,            -- Yahoo's "Adj Close" when the file had one
    volume     BIGINT,
    adjusted   BOOLEAN,           -- true when open..close are dividend-adjusted
    source_url VARCHAR
);
