-- 0004_lookup_indexes: find runs by prediction measurement and simulations by QuestDB namespace.
-- Why: the debugger and stage1ctl look rows up by these names (they are what QuestDB shows), and
-- without an index each lookup scans the whole table.
-- Not CONCURRENTLY: that cannot run inside the migrator's transaction, so writes to the table wait
-- while an index is built (seconds at Stage 1.3 sizes). IF NOT EXISTS adopts a same-named index.

CREATE INDEX IF NOT EXISTS idx_walkforward_runs_measurement
    ON public.walkforward_runs (prediction_measurement);
CREATE INDEX IF NOT EXISTS idx_simulation_runs_namespace
    ON public.simulation_runs (questdb_namespace);
