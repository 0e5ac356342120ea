-- The constant-dollar core behind estimates_in_usd_of and claims_in_usd_of, which differ only
-- in the view they read and the date a row is priced in when its subject gives none (an
-- estimate's as_of, a claim's stated_on). Epoch AI's rule: a figure is in dollars of its
-- subject's publication month (a model's subjects.released_on), else of that own date.

-- usd_target(usd_month): one row, usd_of (usd_month's month) and target_index (its index).
-- A month with no index is an error that says the span the index has (see price_index_at).
CREATE MACRO usd_target(usd_month) AS TABLE
SELECT CAST(date_trunc('month', CAST(usd_month AS DATE)) AS DATE) AS usd_of,
       coalesce(price_index_at(usd_month),
                error('no price index for ' || strftime(CAST(usd_month AS DATE), '%Y-%m')
                      || ': price_index runs from '
                      || coalesce(strftime((SELECT min(i.month) FROM price_index AS i), '%Y-%m'), '?')
                      || ' to '
                      || coalesce(strftime((SELECT max(i.month) FROM price_index AS i), '%Y-%m'), '?')
                )) AS target_index;

-- usd_priced_in(unit, kind, released_on, own_date): the month a dollar figure (is_dollars)
-- is priced in: its subject's publication month when the subject is a model with one, else
-- own_date's month. NULL for a figure in any other unit.
CREATE MACRO usd_priced_in(unit, kind, released_on, own_date) AS
    CASE WHEN is_dollars(unit)
         THEN CAST(date_trunc('month', coalesce(CASE WHEN kind = 'model' THEN released_on END, own_date)) AS DATE)
    END;

-- usd_conversion(unit, kind, released_on, own_date, target): how one row converts to the
-- target (a usd_target row): dollars (is_dollars), usd_of (the target month, for dollars
-- only), priced_in (usd_priced_in) and factor = target index / index of priced_in (NULL
-- when that month has no index).
CREATE MACRO usd_conversion(unit, kind, released_on, own_date, target) AS {
    'dollars': is_dollars(unit),
    'usd_of': CASE WHEN is_dollars(unit) THEN target.usd_of END,
    'priced_in': usd_priced_in(unit, kind, released_on, own_date),
    'factor': target.target_index / price_index_at(usd_priced_in(unit, kind, released_on, own_date))
};

-- in_usd(amount, conversion): amount in constant dollars by a usd_conversion (a figure that
-- is not dollars is left as it is).
CREATE MACRO in_usd(amount, conversion) AS
    CASE WHEN conversion.dollars THEN amount * conversion.factor ELSE amount END;
