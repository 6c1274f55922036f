-- 0014: the runs just above a run, so the tree can show a run in the middle of a large dataset
-- without loading every page above it (issue 15: "reveal by keyset position").
--
-- fn_list_runs pages downwards (older runs) from a cursor. A run revealed by the jump box or a search
-- result is loaded with the page that starts at it, and a few newer runs above it for context; the
-- tree offers "newer runs" above that window, which pages upwards with this function. Same filters,
-- same columns and the same index (idx_walkforward_runs_dataset_created_id, scanned forwards) as
-- fn_list_runs.

CREATE OR REPLACE FUNCTION public.fn_list_runs_newer(
    p_dataset_id uuid,
    p_limit int DEFAULT 50,
    p_after_created_at timestamptz DEFAULT NULL,
    p_after_id uuid DEFAULT NULL,
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
    v_ts    timestamptz := coalesce(p_after_created_at, '-infinity'::timestamptz);
    v_id    uuid        := coalesce(p_after_id, '00000000-0000-0000-0000-000000000000'::uuid);
    -- The search as an ILIKE pattern with its own % _ and \ taken literally, as fn_list_runs does.
    v_like  text        := '%' || replace(replace(replace(p_search, '\', '\\'), '%', '\%'), '_', '\_') || '%';
BEGIN
    RETURN QUERY
    SELECT r.run_id, r.dataset_id, r.prediction_measurement, r.status, r.created_at,
           (SELECT count(*) FROM public.walkforward_folds f WHERE f.run_id = r.run_id),
           (SELECT count(*) FROM public.simulation_runs s WHERE s.run_id = r.run_id),
           r.serialized_config IS NOT NULL
    FROM public.walkforward_runs r
    WHERE r.dataset_id = p_dataset_id
      AND (r.created_at, r.run_id) > (v_ts, v_id)
      AND (p_search IS NULL OR r.prediction_measurement ILIKE v_like)
      AND (p_status IS NULL OR r.status = p_status)
    ORDER BY r.created_at ASC, r.run_id ASC
    LIMIT v_limit;
END
$fn$;

COMMENT ON FUNCTION public.fn_list_runs_newer(uuid, int, timestamptz, uuid, text, text) IS
    'Runs of one dataset newer than the cursor (created_at, run_id), the nearest first: fn_list_runs paging upwards. Same filters and columns as fn_list_runs.';

GRANT EXECUTE ON FUNCTION public.fn_list_runs_newer(uuid, int, timestamptz, uuid, text, text) TO stage1_app;
