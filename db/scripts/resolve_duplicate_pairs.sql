-- resolve_duplicate_pairs.sql: the documented fix for the duplicates that stop migration 0005
-- (UNIQUE (dataset_id, prediction_measurement) on walkforward_runs and
--  UNIQUE (run_id, questdb_namespace) on simulation_runs).
--
-- Report (default, changes nothing):
--   psql -X -d <db> -f db/scripts/resolve_duplicate_pairs.sql
--   lists every duplicate group of both pairs: ids, created_at, status and the planned action.
-- Apply:
--   psql -X -d <db> -v apply=1 -f db/scripts/resolve_duplicate_pairs.sql
--   in ONE transaction: keeps the oldest row of each group (created_at, then id) untouched and
--   renames every other row's prediction_measurement / questdb_namespace to <name>__dupN (N = its
--   rank in the group, raised until the new name is free under the same parent), recording each
--   change in public.stage1_duplicate_resolutions. Nothing is deleted. Then: stage1ctl migrate.
-- Revert one batch (before 0005 has added the constraints; afterwards they would collide again):
--   UPDATE public.walkforward_runs t SET prediction_measurement = r.old_value
--     FROM public.stage1_duplicate_resolutions r
--    WHERE r.table_name = 'walkforward_runs' AND r.row_id = t.run_id
--      AND t.prediction_measurement = r.new_value AND r.resolved_at = '<batch resolved_at>';
--   (the same with simulation_runs / simulation_id / questdb_namespace)
-- Renaming changes only this database: QuestDB data stays under the old name (now the kept row's
-- alone); a renamed row's new name has no QuestDB data until someone moves or re-creates it.
-- Run as the tables' owner (the migration role), not as stage1_app.

\set ON_ERROR_STOP on
\set QUIET on
\if :{?apply}
\else
    \set apply 0
\endif

-- Hide "already exists, skipping" notices from the IF NOT EXISTS below.
SET client_min_messages = warning;

BEGIN;

\if :apply
-- Keep writers out until COMMIT so no new duplicate appears behind the plan.
LOCK TABLE public.walkforward_runs, public.simulation_runs IN SHARE ROW EXCLUSIVE MODE;
\endif

-- Every member of every duplicate group, ranked oldest first; rank 1 is kept.
CREATE TEMP TABLE duplicate_plan ON COMMIT DROP AS
WITH member AS (
    SELECT 'walkforward_runs'::text AS table_name, 'dataset_id'::text AS parent_column,
           'prediction_measurement'::text AS column_name,
           r.dataset_id AS parent_id, r.run_id AS row_id, r.prediction_measurement AS old_value,
           r.created_at, r.status,
           row_number() OVER (PARTITION BY r.dataset_id, r.prediction_measurement
                              ORDER BY r.created_at, r.run_id) AS rank_in_group,
           count(*) OVER (PARTITION BY r.dataset_id, r.prediction_measurement) AS group_size
    FROM public.walkforward_runs r
    UNION ALL
    SELECT 'simulation_runs', 'run_id', 'questdb_namespace',
           s.run_id, s.simulation_id, s.questdb_namespace,
           s.created_at, s.status,
           row_number() OVER (PARTITION BY s.run_id, s.questdb_namespace
                              ORDER BY s.created_at, s.simulation_id),
           count(*) OVER (PARTITION BY s.run_id, s.questdb_namespace)
    FROM public.simulation_runs s
)
SELECT m.*, NULL::text AS new_value
FROM member m
WHERE m.group_size > 1;

-- Pick each new name: <old>__dup<rank>, bumped while it is used under the same parent, either by
-- a row already in the table or by a name planned earlier in this loop.
DO $$
DECLARE
    v_row    record;
    v_n      bigint;
    v_name   text;
    v_taken  boolean;
BEGIN
    FOR v_row IN
        SELECT * FROM pg_temp.duplicate_plan
        WHERE rank_in_group > 1
        ORDER BY table_name, parent_id, old_value, rank_in_group
    LOOP
        v_n := v_row.rank_in_group;
        LOOP
            v_name := v_row.old_value || '__dup' || v_n;
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM public.%I WHERE %I = $1 AND %I = $2)',
                           v_row.table_name, v_row.parent_column, v_row.column_name)
               INTO v_taken USING v_row.parent_id, v_name;
            v_taken := v_taken OR EXISTS (
                SELECT 1 FROM pg_temp.duplicate_plan p
                WHERE p.table_name = v_row.table_name AND p.parent_id = v_row.parent_id
                  AND p.new_value = v_name);
            EXIT WHEN NOT v_taken;
            v_n := v_n + 1;
        END LOOP;
        UPDATE pg_temp.duplicate_plan p SET new_value = v_name
        WHERE p.table_name = v_row.table_name AND p.row_id = v_row.row_id;
    END LOOP;
END
$$;

SELECT count(DISTINCT (parent_id, old_value)) FILTER (WHERE table_name = 'walkforward_runs') AS run_groups,
       count(DISTINCT (parent_id, old_value)) FILTER (WHERE table_name = 'simulation_runs') AS simulation_groups,
       count(*) FILTER (WHERE new_value IS NOT NULL) AS rows_to_rename
FROM pg_temp.duplicate_plan
\gset

\echo 'duplicate groups:' :run_groups 'in walkforward_runs (dataset_id, prediction_measurement),' :simulation_groups 'in simulation_runs (run_id, questdb_namespace)'

SELECT p.table_name,
       p.parent_column || '=' || p.parent_id AS parent,
       p.column_name || '=' || quote_literal(p.old_value) AS duplicate_name,
       p.row_id,
       p.created_at,
       p.status,
       CASE WHEN p.new_value IS NULL THEN 'keep (oldest)'
            ELSE 'rename to ' || quote_literal(p.new_value) END AS action
FROM pg_temp.duplicate_plan p
ORDER BY p.table_name DESC, p.parent_id, p.old_value, p.rank_in_group;

\if :apply
CREATE TABLE IF NOT EXISTS public.stage1_duplicate_resolutions (
    id          bigserial PRIMARY KEY,
    table_name  text NOT NULL,
    row_id      uuid NOT NULL,
    column_name text NOT NULL,
    old_value   text NOT NULL,
    new_value   text NOT NULL,
    resolved_at timestamptz NOT NULL DEFAULT now(),
    resolved_by text NOT NULL DEFAULT current_user
);
COMMENT ON TABLE public.stage1_duplicate_resolutions IS
    'Renames done by db/scripts/resolve_duplicate_pairs.sql (apply=1) so migration 0005 could add its unique constraints; one batch shares resolved_at. Revert recipe in the script header.';

-- The old value is matched again so a row changed since the plan was made is never touched.
WITH renamed_run AS (
    UPDATE public.walkforward_runs r
       SET prediction_measurement = p.new_value
      FROM pg_temp.duplicate_plan p
     WHERE p.table_name = 'walkforward_runs' AND p.new_value IS NOT NULL
       AND r.run_id = p.row_id AND r.prediction_measurement = p.old_value
    RETURNING p.table_name, p.row_id, p.column_name, p.old_value, p.new_value
), renamed_simulation AS (
    UPDATE public.simulation_runs s
       SET questdb_namespace = p.new_value
      FROM pg_temp.duplicate_plan p
     WHERE p.table_name = 'simulation_runs' AND p.new_value IS NOT NULL
       AND s.simulation_id = p.row_id AND s.questdb_namespace = p.old_value
    RETURNING p.table_name, p.row_id, p.column_name, p.old_value, p.new_value
)
INSERT INTO public.stage1_duplicate_resolutions (table_name, row_id, column_name, old_value, new_value)
SELECT * FROM renamed_run
UNION ALL
SELECT * FROM renamed_simulation
RETURNING id, table_name, row_id, column_name, old_value, new_value, resolved_at, resolved_by;

-- Never commit a half fix: every planned rename must have happened and no group may remain.
DO $$
DECLARE
    v_planned  bigint;
    v_recorded bigint;
    v_left     bigint;
BEGIN
    SELECT count(*) INTO v_planned FROM pg_temp.duplicate_plan WHERE new_value IS NOT NULL;
    SELECT count(*) INTO v_recorded FROM public.stage1_duplicate_resolutions
    WHERE resolved_at = now();
    SELECT (SELECT count(*) FROM (SELECT 1 FROM public.walkforward_runs
                                  GROUP BY dataset_id, prediction_measurement HAVING count(*) > 1) g)
         + (SELECT count(*) FROM (SELECT 1 FROM public.simulation_runs
                                  GROUP BY run_id, questdb_namespace HAVING count(*) > 1) g)
      INTO v_left;
    IF v_recorded <> v_planned OR v_left > 0 THEN
        RAISE EXCEPTION 'resolve_duplicate_pairs: % rename(s) planned, % done, % duplicate group(s) left; rolled back',
                        v_planned, v_recorded, v_left;
    END IF;
END
$$;

COMMIT;
\echo 'applied: renamed' :rows_to_rename 'row(s), recorded in public.stage1_duplicate_resolutions; now run stage1ctl migrate again.'
\else
ROLLBACK;
\echo 'report only, nothing changed. To resolve: psql -v apply=1 -f db/scripts/resolve_duplicate_pairs.sql'
\endif
