-- Landscape schema version 3 on PostgreSQL: no change of structure. On SQLite version 3 declares
-- the foreign key transform_errors (token_id, run_id) -> tokens that ELSPETH's Landscape opener
-- requires there. ELSPETH checks its required foreign keys on SQLite only, and on PostgreSQL the
-- key would be enforced on every insert: a run's bundles commit independently (on Flink a
-- transform error can commit before the bundle holding its token), which even a DEFERRABLE
-- INITIALLY DEFERRED key, checked at each transaction's commit, would reject. The launcher checks
-- the reference when the run ends instead (RunReconciliation). See docs/elspeth-compatibility.md.
-- The comment records the decision in the database itself, for whoever inspects it.
-- Released once applied: never edit this file.
COMMENT ON COLUMN transform_errors.token_id IS
    'References tokens (token_id, run_id); checked when the run ends, not declared (Landscape schema version 3)';
