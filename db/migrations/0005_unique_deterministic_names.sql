-- 0005_unique_deterministic_names: make the names clients derive deterministically unique:
--   uq_walkforward_runs_dataset_measurement UNIQUE (dataset_id, prediction_measurement)
--   uq_simulation_runs_run_namespace        UNIQUE (run_id, questdb_namespace)
-- Why: a measurement (resp. namespace) names data in QuestDB; two rows sharing one would read each
-- other's results. A constraint that already exists (pg_constraint) is kept as is.
-- Existing duplicates are never deleted or renamed here: the file stops with unique_violation
-- listing every group; db/scripts/resolve_duplicate_pairs.sql is the documented fix.

DO $$
DECLARE
    v_pair          record;
    v_group         record;
    v_missing       int := 0;
    v_group_count   bigint;
    v_summary       text[] := '{}';
    v_detail        text[] := '{}';
    v_max_listed    constant int := 50;
BEGIN
    FOR v_pair IN
        SELECT *
        FROM (VALUES
            ('walkforward_runs', 'run_id',        'dataset_id', 'prediction_measurement', 'uq_walkforward_runs_dataset_measurement'),
            ('simulation_runs',  'simulation_id', 'run_id',     'questdb_namespace',      'uq_simulation_runs_run_namespace')
        ) AS p(table_name, id_column, parent_column, name_column, constraint_name)
    LOOP
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_constraint
                   WHERE conrelid = format('public.%I', v_pair.table_name)::regclass
                     AND conname = v_pair.constraint_name) THEN
            CONTINUE;
        END IF;
        v_missing := v_missing + 1;

        -- Block writers (not readers) so no duplicate can appear between this check and the ALTER.
        EXECUTE format('LOCK TABLE public.%I IN SHARE ROW EXCLUSIVE MODE', v_pair.table_name);

        v_group_count := 0;
        FOR v_group IN EXECUTE format(
            $q$SELECT t.%1$I::text AS parent, t.%2$I AS name,
                      array_agg(t.%3$I ORDER BY t.%3$I) AS ids,
                      count(*) OVER () AS group_count
               FROM public.%4$I t
               GROUP BY t.%1$I, t.%2$I
               HAVING count(*) > 1
               ORDER BY t.%1$I, t.%2$I
               LIMIT %5$s$q$,
            v_pair.parent_column, v_pair.name_column, v_pair.id_column, v_pair.table_name, v_max_listed)
        LOOP
            IF v_group_count = 0 THEN
                v_group_count := v_group.group_count;
                v_summary := v_summary || format('%s duplicate (%s, %s) group(s) in %s',
                    v_group_count, v_pair.parent_column, v_pair.name_column, v_pair.table_name);
                v_detail := v_detail || format('%s (%s, %s):', v_pair.table_name, v_pair.parent_column, v_pair.name_column);
            END IF;
            v_detail := v_detail || format('  %s=%s, %s=%L: %s %s', v_pair.parent_column, v_group.parent,
                v_pair.name_column, v_group.name, v_pair.id_column, array_to_string(v_group.ids, ', '));
        END LOOP;
        IF v_group_count > v_max_listed THEN
            v_detail := v_detail || format('  ... and %s more', v_group_count - v_max_listed);
        END IF;
    END LOOP;

    IF cardinality(v_summary) > 0 THEN
        RAISE EXCEPTION USING
            ERRCODE = 'unique_violation',
            MESSAGE = format('0005_unique_deterministic_names: cannot add the unique constraints: %s',
                             array_to_string(v_summary, ', ')),
            DETAIL  = array_to_string(v_detail, E'\n'),
            HINT    = 'Nothing was changed. Review the groups with psql -f db/scripts/resolve_duplicate_pairs.sql, '
                   || 'resolve them with -v apply=1 (keeps the oldest row, renames the others; see docs/RUNBOOK.md), '
                   || 'then run stage1ctl migrate again.';
    END IF;

    IF v_missing = 0 THEN
        RAISE NOTICE '0005: both unique constraints already exist';
    END IF;
END
$$;

-- Reached only when no duplicates exist; each ALTER is skipped when the constraint is present.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint
                   WHERE conrelid = 'public.walkforward_runs'::regclass
                     AND conname = 'uq_walkforward_runs_dataset_measurement') THEN
        ALTER TABLE public.walkforward_runs
            ADD CONSTRAINT uq_walkforward_runs_dataset_measurement UNIQUE (dataset_id, prediction_measurement);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint
                   WHERE conrelid = 'public.simulation_runs'::regclass
                     AND conname = 'uq_simulation_runs_run_namespace') THEN
        ALTER TABLE public.simulation_runs
            ADD CONSTRAINT uq_simulation_runs_run_namespace UNIQUE (run_id, questdb_namespace);
    END IF;
END
$$;
