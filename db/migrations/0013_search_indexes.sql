-- 0013_search_indexes: the indexes the run query language (stage1ctl search, the window's search bar)
-- and the fn_list_* substring filters need, so a search that matches nothing or one run costs about
-- what a first page costs instead of a walk over every run.
--
-- * jsonb_path_ops GIN on the documents a query compares by containment: `hp.model = 'lgbm'`
--   becomes hyperparameters @> '{"model": "lgbm"}', `features has 'rsi_14'` becomes
--   feature_columns @> '["rsi_14"]', `sim.fee = 0.001` parameters @> '{"fee": 0.001}'.
--   jsonb_path_ops is the smaller, faster GIN for @> (it serves no key-exists operators, and the
--   language compiles `exists` to a path lookup anyway).
-- * pg_trgm GIN on the names a person searches by substring (`measurement ~ 'btc'`, the tree's
--   filters, ILIKE '%...%'): measurement, slug (questdb_tag), symbol and simulation namespace. A
--   btree cannot serve a pattern with a leading wildcard; trigrams can.
--
-- pg_trgm ships with PostgreSQL's contrib (Debian: in the postgresql-NN package) and is a trusted
-- extension, so the database owner (or anyone with CREATE on the database) may create it; no
-- superuser is needed. Where it is not installed the trigram indexes are skipped with a WARNING that
-- says how to add them later, and searches still work (walking the table); the rest of this
-- migration is applied either way, so no later migration waits on a contrib package.
-- Runs inside the migrator's transaction (no BEGIN/COMMIT, no CONCURRENTLY).

-- A search spans every dataset, newest first, keyset-paged on (created_at, run_id): this index
-- yields that order directly when the condition is common, so the first page stops early.
CREATE INDEX IF NOT EXISTS idx_walkforward_runs_created_id
    ON public.walkforward_runs (created_at, run_id);

CREATE INDEX IF NOT EXISTS idx_walkforward_runs_hyperparameters_gin
    ON public.walkforward_runs USING gin (hyperparameters jsonb_path_ops);
CREATE INDEX IF NOT EXISTS idx_walkforward_runs_walk_config_gin
    ON public.walkforward_runs USING gin (walk_config jsonb_path_ops);
CREATE INDEX IF NOT EXISTS idx_walkforward_runs_feature_columns_gin
    ON public.walkforward_runs USING gin (feature_columns jsonb_path_ops);
CREATE INDEX IF NOT EXISTS idx_simulation_runs_parameters_gin
    ON public.simulation_runs USING gin (parameters jsonb_path_ops);

DO $do$
DECLARE
    trgm_schema name;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'pg_trgm') THEN
        RAISE WARNING '0013_search_indexes: pg_trgm is not installed on this server; substring searches will walk the table'
            USING HINT = 'Install the server''s contrib modules (Debian: they come with postgresql-NN), then run, as the database owner: '
                         'CREATE EXTENSION pg_trgm; and the four CREATE INDEX ... gin_trgm_ops statements of this migration '
                         '(docs/RUNBOOK.md, "Search indexes").';
        RETURN;
    END IF;
    -- In a schema of its own, not public: public holds only our objects, every function there pins
    -- its search_path (test_injection_queries checks it), and the extension's C functions would not.
    -- Where an operator installed pg_trgm already, wherever that was, it is used as it is.
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_trgm') THEN
        BEGIN
            CREATE SCHEMA IF NOT EXISTS stage1_extensions;
            REVOKE ALL ON SCHEMA stage1_extensions FROM PUBLIC;
            CREATE EXTENSION pg_trgm SCHEMA stage1_extensions;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION '0013_search_indexes: % may not create the extension pg_trgm', current_user
                USING HINT = 'pg_trgm is trusted: the database owner (or a role with CREATE on the database) may create it. '
                             'Run as such a role: CREATE SCHEMA stage1_extensions; CREATE EXTENSION pg_trgm SCHEMA stage1_extensions; '
                             'then stage1ctl migrate again.';
        END;
    END IF;
    -- Wherever the extension lives (an existing install may have put it in another schema), its
    -- operator class is named with that schema, never through search_path.
    SELECT n.nspname INTO trgm_schema
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';
    EXECUTE format('CREATE INDEX IF NOT EXISTS idx_walkforward_runs_measurement_trgm '
                   'ON public.walkforward_runs USING gin (prediction_measurement %I.gin_trgm_ops)', trgm_schema);
    EXECUTE format('CREATE INDEX IF NOT EXISTS idx_indicator_datasets_slug_trgm '
                   'ON public.indicator_datasets USING gin (questdb_tag %I.gin_trgm_ops)', trgm_schema);
    EXECUTE format('CREATE INDEX IF NOT EXISTS idx_indicator_datasets_symbol_trgm '
                   'ON public.indicator_datasets USING gin (symbol %I.gin_trgm_ops)', trgm_schema);
    EXECUTE format('CREATE INDEX IF NOT EXISTS idx_simulation_runs_namespace_trgm '
                   'ON public.simulation_runs USING gin (questdb_namespace %I.gin_trgm_ops)', trgm_schema);
END
$do$;

-- The list functions of 0007 again, with the same signatures and results, their substring filter now
-- written as ILIKE so the trigram indexes above can serve it (strpos(lower(..)) cannot use an
-- index). The pattern escapes the search's own % _ and \, so they still match literally.

CREATE OR REPLACE FUNCTION public.fn_list_datasets(
    p_limit int DEFAULT 50,
    p_before_created_at timestamptz DEFAULT NULL,
    p_before_id uuid DEFAULT NULL,
    p_search text DEFAULT NULL)
RETURNS TABLE(dataset_id uuid, dataset_slug text, symbol text, granularity text, source text,
              row_count bigint, first_bar_ts timestamptz, last_bar_ts timestamptz,
              created_at timestamptz, run_count bigint)
LANGUAGE plpgsql
STABLE
SECURITY INVOKER
SET search_path = pg_catalog, public, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    v_limit int         := least(greatest(coalesce(p_limit, 50), 1), 1000);
    v_ts    timestamptz := coalesce(p_before_created_at, 'infinity'::timestamptz);
    v_id    uuid        := coalesce(p_before_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid);
    -- The search as an ILIKE pattern with its own % _ and \ taken literally, as strpos took them.
    v_like  text        := '%' || replace(replace(replace(p_search, '\', '\\'), '%', '\%'), '_', '\_') || '%';
BEGIN
    RETURN QUERY
    SELECT d.dataset_id, d.questdb_tag, d.symbol, d.granularity, d.source,
           d.row_count, d.first_bar_ts, d.last_bar_ts, d.created_at,
           (SELECT count(*) FROM public.walkforward_runs r WHERE r.dataset_id = d.dataset_id)
    FROM public.indicator_datasets d
    WHERE (d.created_at, d.dataset_id) < (v_ts, v_id)
      AND (p_search IS NULL
           OR d.questdb_tag ILIKE v_like
           OR d.symbol ILIKE v_like)
    ORDER BY d.created_at DESC, d.dataset_id DESC
    LIMIT v_limit;
END
$fn$;

CREATE OR REPLACE FUNCTION public.fn_list_runs(
    p_dataset_id uuid,
    p_limit int DEFAULT 50,
    p_before_created_at timestamptz DEFAULT NULL,
    p_before_id uuid DEFAULT NULL,
    p_search text DEFAULT NULL,
    p_status text DEFAULT NULL)
RETURNS TABLE(run_id uuid, dataset_id uuid, prediction_measurement text, status text,
              created_at timestamptz, fold_count bigint, simulation_count bigint,
              has_serialized_config boolean)
LANGUAGE plpgsql
STABLE
SECURITY INVOKER
SET search_path = pg_catalog, public, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    v_limit int         := least(greatest(coalesce(p_limit, 50), 1), 1000);
    v_ts    timestamptz := coalesce(p_before_created_at, 'infinity'::timestamptz);
    v_id    uuid        := coalesce(p_before_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid);
    -- The search as an ILIKE pattern with its own % _ and \ taken literally, as strpos took them.
    v_like  text        := '%' || replace(replace(replace(p_search, '\', '\\'), '%', '\%'), '_', '\_') || '%';
BEGIN
    RETURN QUERY
    SELECT r.run_id, r.dataset_id, r.prediction_measurement, r.status, r.created_at,
           (SELECT count(*) FROM public.walkforward_folds f WHERE f.run_id = r.run_id),
           (SELECT count(*) FROM public.simulation_runs s WHERE s.run_id = r.run_id),
           r.serialized_config IS NOT NULL
    FROM public.walkforward_runs r
    WHERE r.dataset_id = p_dataset_id
      AND (r.created_at, r.run_id) < (v_ts, v_id)
      AND (p_search IS NULL OR r.prediction_measurement ILIKE v_like)
      AND (p_status IS NULL OR r.status = p_status)
    ORDER BY r.created_at DESC, r.run_id DESC
    LIMIT v_limit;
END
$fn$;

CREATE OR REPLACE FUNCTION public.fn_list_simulations(
    p_run_id uuid,
    p_limit int DEFAULT 50,
    p_before_created_at timestamptz DEFAULT NULL,
    p_before_id uuid DEFAULT NULL,
    p_search text DEFAULT NULL,
    p_status text DEFAULT NULL)
RETURNS TABLE(simulation_id uuid, run_id uuid, questdb_namespace text, status text,
              created_at timestamptz, has_serialized_config boolean)
LANGUAGE plpgsql
STABLE
SECURITY INVOKER
SET search_path = pg_catalog, public, pg_temp
AS $fn$
#variable_conflict use_column
DECLARE
    v_limit int         := least(greatest(coalesce(p_limit, 50), 1), 1000);
    v_ts    timestamptz := coalesce(p_before_created_at, 'infinity'::timestamptz);
    v_id    uuid        := coalesce(p_before_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid);
    -- The search as an ILIKE pattern with its own % _ and \ taken literally, as strpos took them.
    v_like  text        := '%' || replace(replace(replace(p_search, '\', '\\'), '%', '\%'), '_', '\_') || '%';
BEGIN
    RETURN QUERY
    SELECT s.simulation_id, s.run_id, s.questdb_namespace, s.status, s.created_at,
           s.serialized_config IS NOT NULL
    FROM public.simulation_runs s
    WHERE s.run_id = p_run_id
      AND (s.created_at, s.simulation_id) < (v_ts, v_id)
      AND (p_search IS NULL OR s.questdb_namespace ILIKE v_like)
      AND (p_status IS NULL OR s.status = p_status)
    ORDER BY s.created_at DESC, s.simulation_id DESC
    LIMIT v_limit;
END
$fn$;

COMMENT ON FUNCTION public.fn_list_datasets(int, timestamptz, uuid, text) IS
    'Datasets newest first, keyset-paged: pass the last row''s (created_at, dataset_id) as the cursor. p_search matches slug or symbol, case-insensitively.';
COMMENT ON FUNCTION public.fn_list_runs(uuid, int, timestamptz, uuid, text, text) IS
    'Runs of one dataset newest first, keyset-paged: pass the last row''s (created_at, run_id) as the cursor. p_search matches prediction_measurement; p_status is exact.';
COMMENT ON FUNCTION public.fn_list_simulations(uuid, int, timestamptz, uuid, text, text) IS
    'Simulations of one run newest first, keyset-paged: pass the last row''s (created_at, simulation_id) as the cursor. p_search matches questdb_namespace; p_status is exact.';
