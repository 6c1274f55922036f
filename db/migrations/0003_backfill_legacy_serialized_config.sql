-- 0003_backfill_legacy_serialized_config: give every run and simulation recorded before 0002 a
-- serialized_config in the legacy form, so the debugger can show one for every row.
--   run:        feature_columns || E'\n' || hyperparameters || E'\n' || walk_config   (jsonb::text)
--   simulation: the PARENT run's three lines (from its JSONB columns, not its serialized_config)
--               || E'\n' || parameters   -- the fourth line only when parameters::text <> '{}'
-- Why only NULLs: a non-NULL value is the real text a client stored and must never be overwritten,
-- which also makes this file harmless to run again.

DO $$
DECLARE
    v_runs        bigint;
    v_simulations bigint;
BEGIN
    UPDATE public.walkforward_runs r
       SET serialized_config = r.feature_columns::text || E'\n'
                            || r.hyperparameters::text || E'\n'
                            || r.walk_config::text
     WHERE r.serialized_config IS NULL;
    GET DIAGNOSTICS v_runs = ROW_COUNT;

    UPDATE public.simulation_runs s
       SET serialized_config = r.feature_columns::text || E'\n'
                            || r.hyperparameters::text || E'\n'
                            || r.walk_config::text
                            || CASE WHEN s.parameters::text <> '{}' THEN E'\n' || s.parameters::text ELSE '' END
      FROM public.walkforward_runs r
     WHERE r.run_id = s.run_id
       AND s.serialized_config IS NULL;
    GET DIAGNOSTICS v_simulations = ROW_COUNT;

    RAISE NOTICE '0003: filled serialized_config on % walkforward_runs row(s)', v_runs;
    RAISE NOTICE '0003: filled serialized_config on % simulation_runs row(s)', v_simulations;
END
$$;
