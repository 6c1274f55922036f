-- 0006_dataset_hierarchy_view: dataset -> walk-forward run -> simulation as one flat view.
-- Why: the debugger's hierarchy panel and `stage1ctl list` read one shape instead of three joins.
-- LEFT JOINs keep datasets without runs and runs without simulations; `level` names the most
-- specific object present in the row, and `created_at`/`status` are that object's.
--
-- Why a function under the view: a plain view reads its tables with the privileges of the view's
-- OWNER, so a role granted SELECT on it could read tables it may not read itself. PostgreSQL 15+
-- fixes that with WITH (security_invoker = true), which PostgreSQL 14 rejects ("unrecognized
-- parameter"). Functions, unlike views, always run with the privileges of the caller (SECURITY
-- INVOKER, the default), and the planner inlines this one (LANGUAGE sql, STABLE, no SET clause), so
-- on every major from 14 on the tables are checked against the querying role, row security applies
-- as for that role, and a filter on the view still reaches the tables' indexes. One definition for
-- every major: no branch on server_version_num. A SET search_path clause would stop the inlining,
-- so the body names every table and operator by its schema instead: nothing the caller creates
-- elsewhere can stand in.
--
-- Replaced in place (it never reached a PostgreSQL 14 server): a database that applied the earlier
-- text, the security_invoker view, gets this file re-applied by `stage1ctl migrate`
-- (db/schema/migration_catalog.cpp: replacedInPlace). CREATE OR REPLACE keeps the grants of 0009 and
-- drops the security_invoker option, so both roads end in the same schema.

CREATE OR REPLACE FUNCTION public.fn_dataset_hierarchy_rows()
RETURNS TABLE(dataset_id uuid, dataset_slug text, symbol text, granularity text,
              dataset_created_at timestamptz, run_id uuid, run_measurement text, run_status text,
              run_created_at timestamptz, simulation_id uuid, simulation_namespace text,
              simulation_status text, simulation_created_at timestamptz, level text,
              created_at timestamptz, status text)
LANGUAGE sql
STABLE
SECURITY INVOKER
AS $fn$
SELECT d.dataset_id,
       d.questdb_tag,
       d.symbol,
       d.granularity,
       d.created_at,
       r.run_id,
       r.prediction_measurement,
       r.status,
       r.created_at,
       s.simulation_id,
       s.questdb_namespace,
       s.status,
       s.created_at,
       CASE WHEN s.simulation_id IS NOT NULL THEN 'simulation'
            WHEN r.run_id IS NOT NULL THEN 'run'
            ELSE 'dataset'
       END,
       CASE WHEN s.simulation_id IS NOT NULL THEN s.created_at
            WHEN r.run_id IS NOT NULL THEN r.created_at
            ELSE d.created_at
       END,
       CASE WHEN s.simulation_id IS NOT NULL THEN s.status
            WHEN r.run_id IS NOT NULL THEN r.status
            ELSE NULL::text    -- datasets have no status column
       END
FROM public.indicator_datasets d
LEFT JOIN public.walkforward_runs r ON r.dataset_id OPERATOR(pg_catalog.=) d.dataset_id
LEFT JOIN public.simulation_runs s ON s.run_id OPERATOR(pg_catalog.=) r.run_id
$fn$;

COMMENT ON FUNCTION public.fn_dataset_hierarchy_rows() IS
    'The rows of the view dataset_hierarchy, read with the caller''s privileges; query the view.';

CREATE OR REPLACE VIEW public.dataset_hierarchy AS
SELECT h.dataset_id,
       h.dataset_slug,
       h.symbol,
       h.granularity,
       h.dataset_created_at,
       h.run_id,
       h.run_measurement,
       h.run_status,
       h.run_created_at,
       h.simulation_id,
       h.simulation_namespace,
       h.simulation_status,
       h.simulation_created_at,
       h.level,
       h.created_at,
       h.status
FROM public.fn_dataset_hierarchy_rows() AS h;

COMMENT ON VIEW public.dataset_hierarchy IS
    'One row per dataset without runs, per run without simulations, and per simulation. level = most specific object in the row (dataset|run|simulation); created_at and status are that object''s. Datasets have no status column, so status is NULL on dataset-level rows. Reads the tables with the querying role''s privileges.';
COMMENT ON COLUMN public.dataset_hierarchy.level IS
    'dataset | run | simulation: the most specific object present in this row.';
COMMENT ON COLUMN public.dataset_hierarchy.created_at IS
    'created_at of the object named by level.';
COMMENT ON COLUMN public.dataset_hierarchy.status IS
    'status of the object named by level; NULL when level = ''dataset'' (datasets have no status column).';
