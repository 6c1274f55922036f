-- 0001_stage13_base: the Stage 1.3 metadata store (datasets, walk-forward runs and folds,
-- simulations) and its three lookup indexes.
-- Why: production databases already hold this schema with real rows, so this file ADOPTS it:
-- an existing table is verified, never dropped, recreated or altered; only what is missing is
-- created. If an existing table lacks a column, has a different type or nullability, or misses its
-- key, the file stops with one message listing every difference; fixing that is an operator's call.
-- Runs inside the migrator's transaction (no BEGIN/COMMIT here).

-- Verify what already exists before creating anything, so a mismatch fails before any change.
DO $$
DECLARE
    v_problems text[];
BEGIN
    WITH expected_column(table_name, column_name, type_name, not_null, ord) AS (
        VALUES
            ('indicator_datasets', 'dataset_id',             'uuid',                     true,  1),
            ('indicator_datasets', 'symbol',                 'text',                     true,  2),
            ('indicator_datasets', 'granularity',            'text',                     true,  3),
            ('indicator_datasets', 'source',                 'text',                     true,  4),
            ('indicator_datasets', 'questdb_tag',            'text',                     true,  5),
            ('indicator_datasets', 'row_count',              'bigint',                   true,  6),
            ('indicator_datasets', 'first_bar_ts',           'timestamp with time zone', false, 7),
            ('indicator_datasets', 'last_bar_ts',            'timestamp with time zone', false, 8),
            ('indicator_datasets', 'created_at',             'timestamp with time zone', true,  9),
            ('walkforward_runs',   'run_id',                 'uuid',                     true,  1),
            ('walkforward_runs',   'dataset_id',             'uuid',                     true,  2),
            ('walkforward_runs',   'prediction_measurement', 'text',                     true,  3),
            ('walkforward_runs',   'feature_columns',        'jsonb',                    true,  4),
            ('walkforward_runs',   'hyperparameters',        'jsonb',                    true,  5),
            ('walkforward_runs',   'walk_config',            'jsonb',                    true,  6),
            ('walkforward_runs',   'status',                 'text',                     true,  7),
            ('walkforward_runs',   'created_at',             'timestamp with time zone', true,  8),
            ('walkforward_folds',  'run_id',                 'uuid',                     true,  1),
            ('walkforward_folds',  'fold_index',             'integer',                  true,  2),
            ('walkforward_folds',  'train_start',            'timestamp with time zone', true,  3),
            ('walkforward_folds',  'train_end',              'timestamp with time zone', true,  4),
            ('walkforward_folds',  'test_start',             'timestamp with time zone', true,  5),
            ('walkforward_folds',  'test_end',               'timestamp with time zone', true,  6),
            ('walkforward_folds',  'metrics',                'jsonb',                    true,  7),
            ('simulation_runs',    'simulation_id',          'uuid',                     true,  1),
            ('simulation_runs',    'run_id',                 'uuid',                     true,  2),
            ('simulation_runs',    'questdb_namespace',      'text',                     true,  3),
            ('simulation_runs',    'parameters',             'jsonb',                    true,  4),
            ('simulation_runs',    'status',                 'text',                     true,  5),
            ('simulation_runs',    'created_at',             'timestamp with time zone', true,  6)
    ),
    -- Later migrations rely on these keys (foreign keys, ON CONFLICT on the slug).
    expected_key(table_name, key_columns) AS (
        VALUES
            ('indicator_datasets', ARRAY['dataset_id']::name[]),
            ('indicator_datasets', ARRAY['questdb_tag']::name[]),
            ('walkforward_runs',   ARRAY['run_id']::name[]),
            ('walkforward_folds',  ARRAY['run_id', 'fold_index']::name[]),
            ('simulation_runs',    ARRAY['simulation_id']::name[])
    ),
    existing_relation AS (
        SELECT c.oid, c.relname, c.relkind
        FROM pg_catalog.pg_class c
        WHERE c.relnamespace = 'public'::regnamespace
          AND c.relname IN (SELECT DISTINCT table_name FROM expected_column)
    ),
    problem(table_name, ord, message) AS (
        SELECT r.relname, 0,
               format('public.%I exists but is not a table (relkind %s)', r.relname, r.relkind)
        FROM existing_relation r
        WHERE r.relkind NOT IN ('r', 'p')
        UNION ALL
        SELECT e.table_name, e.ord,
               CASE
                   WHEN a.attname IS NULL THEN
                       format('public.%I: column %I is missing (expected %s)', e.table_name, e.column_name, e.type_name)
                   WHEN pg_catalog.format_type(a.atttypid, a.atttypmod) <> e.type_name THEN
                       format('public.%I: column %I is %s (expected %s)', e.table_name, e.column_name,
                              pg_catalog.format_type(a.atttypid, a.atttypmod), e.type_name)
                   ELSE
                       format('public.%I: column %I allows NULL (expected NOT NULL)', e.table_name, e.column_name)
               END
        FROM expected_column e
        JOIN existing_relation r ON r.relname = e.table_name AND r.relkind IN ('r', 'p')
        LEFT JOIN pg_catalog.pg_attribute a
               ON a.attrelid = r.oid AND a.attname = e.column_name AND a.attnum > 0 AND NOT a.attisdropped
        WHERE a.attname IS NULL
           OR pg_catalog.format_type(a.atttypid, a.atttypmod) <> e.type_name
           OR (e.not_null AND NOT a.attnotnull)
        UNION ALL
        SELECT k.table_name, 100,
               format('public.%I: no primary key or unique constraint on (%s)', k.table_name,
                      array_to_string(k.key_columns, ', '))
        FROM expected_key k
        JOIN existing_relation r ON r.relname = k.table_name AND r.relkind IN ('r', 'p')
        WHERE NOT EXISTS (
            SELECT 1
            FROM pg_catalog.pg_index i
            WHERE i.indrelid = r.oid AND i.indisunique AND i.indisvalid
              AND i.indpred IS NULL AND i.indexprs IS NULL
              AND ARRAY(SELECT a.attname
                        FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS ik(attnum, pos)
                        JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ik.attnum
                        ORDER BY ik.pos) = k.key_columns)
    )
    SELECT array_agg(p.message ORDER BY p.table_name, p.ord, p.message) INTO v_problems FROM problem p;

    IF v_problems IS NOT NULL THEN
        RAISE EXCEPTION USING
            ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = format('0001_stage13_base: the existing Stage 1.3 schema differs from what this migration adopts (%s problem(s))',
                             cardinality(v_problems)),
            DETAIL  = array_to_string(v_problems, E'\n'),
            HINT    = 'This migration never alters existing tables. Fix the listed columns/keys by hand (see docs/RUNBOOK.md), then run stage1ctl migrate again.';
    END IF;
END
$$;

CREATE TABLE IF NOT EXISTS public.indicator_datasets (
    dataset_id   uuid PRIMARY KEY,
    symbol       text NOT NULL,
    granularity  text NOT NULL,
    source       text NOT NULL,
    questdb_tag  text NOT NULL UNIQUE,
    row_count    bigint NOT NULL DEFAULT 0,
    first_bar_ts timestamptz,
    last_bar_ts  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS public.walkforward_runs (
    run_id                 uuid PRIMARY KEY,
    dataset_id             uuid NOT NULL REFERENCES public.indicator_datasets,
    prediction_measurement text NOT NULL,
    feature_columns        jsonb NOT NULL,
    hyperparameters        jsonb NOT NULL,
    walk_config            jsonb NOT NULL,
    status                 text NOT NULL DEFAULT 'pending',
    created_at             timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS public.walkforward_folds (
    run_id      uuid NOT NULL REFERENCES public.walkforward_runs,
    fold_index  integer NOT NULL,
    train_start timestamptz NOT NULL,
    train_end   timestamptz NOT NULL,
    test_start  timestamptz NOT NULL,
    test_end    timestamptz NOT NULL,
    metrics     jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, fold_index)
);

CREATE TABLE IF NOT EXISTS public.simulation_runs (
    simulation_id     uuid PRIMARY KEY,
    run_id            uuid NOT NULL REFERENCES public.walkforward_runs,
    questdb_namespace text NOT NULL,
    parameters        jsonb NOT NULL DEFAULT '{}',
    status            text NOT NULL DEFAULT 'pending',
    created_at        timestamptz NOT NULL DEFAULT now()
);

-- IF NOT EXISTS matches by name only: an existing index of that name is adopted as is.
CREATE INDEX IF NOT EXISTS idx_indicator_datasets_symbol_granularity
    ON public.indicator_datasets (symbol, granularity);
CREATE INDEX IF NOT EXISTS idx_walkforward_runs_dataset_created
    ON public.walkforward_runs (dataset_id, created_at);
CREATE INDEX IF NOT EXISTS idx_simulation_runs_run_created
    ON public.simulation_runs (run_id, created_at);
