-- 0007_paging_functions: keyset paging over datasets, a dataset's runs and a run's simulations,
-- newest first, plus the indexes that serve them.
-- Why keyset and not OFFSET: a page deep in a 200k-row dataset must cost the same as the first.
-- Contract shared by the three functions:
--   order:   (created_at DESC, id DESC); id breaks ties between equal created_at values.
--   cursor:  (p_before_created_at, p_before_id) = the LAST row of the previous page; the next page
--            holds the rows strictly before it in that order. Both NULL = first page. A timestamp
--            without an id means "created at or before that instant"; an id alone is ignored.
--   limit:   NULL -> 50, clamped to 1..1000.
--   search:  case-insensitive substring (strpos, so % and _ are literal); NULL = no filter.
--   status:  exact match; NULL = no filter.
-- NULL cursors become sentinels ('infinity', the max uuid) so the keyset predicate is always the
-- same indexable row comparison; `p IS NULL OR (...)` around it would defeat the index, above all
-- in the generic plan plpgsql switches to after five calls.

-- Each index starts with the equality column (if any), then the keyset order; a backward scan
-- yields (created_at DESC, id DESC) directly, so no Sort node is needed.
CREATE INDEX IF NOT EXISTS idx_indicator_datasets_created_id
    ON public.indicator_datasets (created_at, dataset_id);
CREATE INDEX IF NOT EXISTS idx_walkforward_runs_dataset_created_id
    ON public.walkforward_runs (dataset_id, created_at, run_id);
CREATE INDEX IF NOT EXISTS idx_simulation_runs_run_created_id
    ON public.simulation_runs (run_id, created_at, simulation_id);

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
BEGIN
    RETURN QUERY
    SELECT d.dataset_id, d.questdb_tag, d.symbol, d.granularity, d.source,
           d.row_count, d.first_bar_ts, d.last_bar_ts, d.created_at,
           (SELECT count(*) FROM public.walkforward_runs r WHERE r.dataset_id = d.dataset_id)
    FROM public.indicator_datasets d
    WHERE (d.created_at, d.dataset_id) < (v_ts, v_id)
      AND (p_search IS NULL
           OR strpos(lower(d.questdb_tag), lower(p_search)) > 0
           OR strpos(lower(d.symbol), lower(p_search)) > 0)
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
BEGIN
    RETURN QUERY
    SELECT r.run_id, r.dataset_id, r.prediction_measurement, r.status, r.created_at,
           (SELECT count(*) FROM public.walkforward_folds f WHERE f.run_id = r.run_id),
           (SELECT count(*) FROM public.simulation_runs s WHERE s.run_id = r.run_id),
           r.serialized_config IS NOT NULL
    FROM public.walkforward_runs r
    WHERE r.dataset_id = p_dataset_id
      AND (r.created_at, r.run_id) < (v_ts, v_id)
      AND (p_search IS NULL OR strpos(lower(r.prediction_measurement), lower(p_search)) > 0)
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
BEGIN
    RETURN QUERY
    SELECT s.simulation_id, s.run_id, s.questdb_namespace, s.status, s.created_at,
           s.serialized_config IS NOT NULL
    FROM public.simulation_runs s
    WHERE s.run_id = p_run_id
      AND (s.created_at, s.simulation_id) < (v_ts, v_id)
      AND (p_search IS NULL OR strpos(lower(s.questdb_namespace), lower(p_search)) > 0)
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
