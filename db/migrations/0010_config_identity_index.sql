-- 0010_config_identity_index: find runs whose config is identical without scanning every run.
-- Why: the desktop's "find identical runs" and `stage1ctl config find` compare a pasted config
-- with every run's JSONB columns. jsonb equality is exact but needs a scan; an md5 of the three
-- documents' canonical jsonb text narrows it to an index lookup first. jsonb's text form is
-- canonical (key order and whitespace normalised), so any text form of the same JSON matches.
-- Note: numeric scale is kept by jsonb (1.0 and 1 print differently), so those count as different.
-- Runs inside the migrator's transaction (no BEGIN/COMMIT, no CONCURRENTLY).

CREATE INDEX IF NOT EXISTS idx_walkforward_runs_config_identity
    ON public.walkforward_runs (md5(feature_columns::text || E'\n' || hyperparameters::text || E'\n' || walk_config::text));
