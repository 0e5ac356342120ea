-- claim_methods(): the claim methods costboard knows, one row per claim qualifier that names
-- one. The one list: an estimator declares the methods it models (Estimator.methods, checked
-- against this table by costboard.warehouse.claim_methods), each estimate record stores them
-- (estimate_records.methods), and the reconciliation view compares a claim that names a method
-- only with the estimates of that method (method_matches).
--   epoch_amortized   Epoch AI's amortized hardware capex + energy (its primary method)
--   epoch_cloud       Epoch AI's cloud-rental estimate (chip-hours x cloud price); DeepSeek's
--                     GPU-hours x $2/hour is this method too, stated without a qualifier
--   epoch_acquisition Epoch AI's hardware acquisition (buying the cluster up front)
-- epoch_db is not here: Epoch's database column 'Training compute cost (2023 USD)' is no one
-- method (for DeepSeek-V3 it is DeepSeek's own rental figure deflated; warehouse/seed/claims.csv,
-- claim epoch-v3-cost-db), so such a claim is compared with every estimator, as a claim with
-- no method is. Any other qualifier (a chip, a stage, a year) names no method.
-- (UNION ALL, not VALUES: DuckDB stores a VALUES list rewritten, and schema.upgrade compares
-- the stored SQL with this file's.)
CREATE MACRO claim_methods() AS TABLE
          SELECT 'epoch_amortized' AS qualifier, 'amortized_hardware_energy' AS method
UNION ALL SELECT 'epoch_cloud', 'cloud_rental'
UNION ALL SELECT 'epoch_acquisition', 'hardware_acquisition';
-- claim_method(qualifier): the method a claim's qualifier names (NULL: none).
CREATE MACRO claim_method(named) AS
    (SELECT m.method FROM claim_methods() AS m WHERE m.qualifier = named);
-- method_matches(method, methods): whether a claim of that method (NULL: none named) is
-- compared with an estimate whose estimator models those methods: a claim with no method is
-- compared with every estimate of its metric and scope, one with a method only with the
-- estimates of estimators that declare it.
CREATE MACRO method_matches(method, methods) AS
    method IS NULL OR list_contains(coalesce(methods, []::VARCHAR[]), method);
