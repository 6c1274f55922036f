-- 0010_config_identity_index: find runs whose config is identical without scanning every run.
-- Why: the desktop's "find identical runs" and `stage1ctl config find` compare a pasted config
-- with every run's three JSONB documents. jsonb equality is what "identical" means here: it
-- ignores key order and whitespace and compares numbers by value (0.10 = 0.1), so any text form of
-- the same config matches. A hash index on the array of the three documents serves exactly that
-- equality (hashing jsonb is consistent with its equality), and unlike a btree it has no size
-- limit, so a large config can never make an INSERT fail.
-- Runs inside the migrator's transaction (no BEGIN/COMMIT, no CONCURRENTLY).

CREATE INDEX IF NOT EXISTS idx_walkforward_runs_config_identity
    ON public.walkforward_runs USING hash ((ARRAY[feature_columns, hyperparameters, walk_config]));
