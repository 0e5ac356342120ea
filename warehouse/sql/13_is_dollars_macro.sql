-- is_dollars(unit): whether a base unit is an amount of US dollars (usd, or usd_per_...:
-- usd_per_year, usd_per_gpu_hour, ...). These are what constant dollars convert.
CREATE MACRO is_dollars(unit) AS unit = 'usd' OR starts_with(unit, 'usd_per_');
