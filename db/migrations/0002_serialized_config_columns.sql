-- 0002_serialized_config_columns: a nullable serialized_config TEXT column on walkforward_runs
-- and simulation_runs.
-- Why: the debugger shows, copies and pastes the exact configuration text a run/simulation was
-- started with. NULL means "not recorded yet" (0003 fills legacy rows). Adding a nullable column
-- without a default only touches the catalog, so no table is rewritten.

-- The ACCESS EXCLUSIVE lock these ALTERs take is bounded by the migrator's lock_timeout
-- (stage1ctl migrate --ddl-lock-timeout), so it never queues for long behind a slow query.
ALTER TABLE public.walkforward_runs ADD COLUMN IF NOT EXISTS serialized_config text;
ALTER TABLE public.simulation_runs ADD COLUMN IF NOT EXISTS serialized_config text;

-- IF NOT EXISTS would silently keep a same-named column of another type; refuse that instead.
DO $$
DECLARE
    v_wrong text;
BEGIN
    SELECT string_agg(format('public.%I.serialized_config is %s', c.relname,
                             pg_catalog.format_type(a.atttypid, a.atttypmod)), '; ')
      INTO v_wrong
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    WHERE a.attrelid IN ('public.walkforward_runs'::regclass, 'public.simulation_runs'::regclass)
      AND a.attname = 'serialized_config' AND NOT a.attisdropped
      AND a.atttypid <> 'text'::regtype;

    IF v_wrong IS NOT NULL THEN
        RAISE EXCEPTION USING
            ERRCODE = 'datatype_mismatch',
            MESSAGE = format('0002_serialized_config_columns: %s (expected text)', v_wrong),
            HINT    = 'This migration never alters an existing column. Fix it by hand, then run stage1ctl migrate again.';
    END IF;
END
$$;

COMMENT ON COLUMN public.walkforward_runs.serialized_config IS
    'Exact configuration text the run was started with; NULL = not recorded. Legacy rows: feature_columns, hyperparameters, walk_config as JSON, one per line (0003).';
COMMENT ON COLUMN public.simulation_runs.serialized_config IS
    'Exact configuration text the simulation was started with; NULL = not recorded. Legacy rows: the parent run''s three JSON lines plus parameters as a fourth line when not {} (0003).';
