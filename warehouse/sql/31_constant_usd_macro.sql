-- constant_usd(value, from_date, to_month): value, in dollars of from_date's month, in
-- constant dollars of to_month: value x index(to_month) / index(from_date's month) (Epoch
-- AI's rule, see price_index_at for a month with no index: the result is then NULL).
CREATE MACRO constant_usd(value, from_date, to_month) AS
    value * price_index_at(to_month) / price_index_at(from_date);
