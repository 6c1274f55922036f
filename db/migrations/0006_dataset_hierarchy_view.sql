-- 0006_dataset_hierarchy_view: dataset -> walk-forward run -> simulation as one flat view.
-- Why: the debugger's hierarchy panel and `stage1ctl list` read one shape instead of three joins.
-- LEFT JOINs keep datasets without runs and runs without simulations; `level` names the most
-- specific object present in the row, and `created_at`/`status` are that object's.
-- security_invoker: the view never lets a role read more than the tables already allow it to.

CREATE OR REPLACE VIEW public.dataset_hierarchy WITH (security_invoker = true) AS
SELECT d.dataset_id,
       d.questdb_tag           AS dataset_slug,
       d.symbol,
       d.granularity,
       d.created_at            AS dataset_created_at,
       r.run_id,
       r.prediction_measurement AS run_measurement,
       r.status                AS run_status,
       r.created_at            AS run_created_at,
       s.simulation_id,
       s.questdb_namespace     AS simulation_namespace,
       s.status                AS simulation_status,
       s.created_at            AS simulation_created_at,
       CASE WHEN s.simulation_id IS NOT NULL THEN 'simulation'
            WHEN r.run_id IS NOT NULL THEN 'run'
            ELSE 'dataset'
       END                     AS level,
       CASE WHEN s.simulation_id IS NOT NULL THEN s.created_at
            WHEN r.run_id IS NOT NULL THEN r.created_at
            ELSE d.created_at
       END                     AS created_at,
       CASE WHEN s.simulation_id IS NOT NULL THEN s.status
            WHEN r.run_id IS NOT NULL THEN r.status
            ELSE NULL::text    -- datasets have no status column
       END                     AS status
FROM public.indicator_datasets d
LEFT JOIN public.walkforward_runs r ON r.dataset_id = d.dataset_id
LEFT JOIN public.simulation_runs s ON s.run_id = r.run_id;

COMMENT ON VIEW public.dataset_hierarchy IS
    'One row per dataset without runs, per run without simulations, and per simulation. level = most specific object in the row (dataset|run|simulation); created_at and status are that object''s. Datasets have no status column, so status is NULL on dataset-level rows.';
COMMENT ON COLUMN public.dataset_hierarchy.level IS
    'dataset | run | simulation: the most specific object present in this row.';
COMMENT ON COLUMN public.dataset_hierarchy.created_at IS
    'created_at of the object named by level.';
COMMENT ON COLUMN public.dataset_hierarchy.status IS
    'status of the object named by level; NULL when level = ''dataset'' (datasets have no status column).';
