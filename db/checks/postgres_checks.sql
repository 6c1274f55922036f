-- postgres_checks.sql: read-only health checks of a Stage 1 metadata database.
--   psql -X -d <db> -f db/checks/postgres_checks.sql
--   psql -X -d <db> -v placeholder_days=14 -f db/checks/postgres_checks.sql   (default 7)
-- Prints one line per check, `check | ok | detail`, then an `overall` line. Exits 0 when every
-- check passed, 3 (psql's ON_ERROR_STOP status) when any failed, so cron/stage1ctl doctor can
-- alert on the exit status alone. Runs in one READ ONLY snapshot and changes nothing; it copes
-- with a database where migrations are missing (those checks fail instead of erroring).

\set ON_ERROR_STOP on
\set QUIET on

BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY;

-- What exists decides which data queries below can even be parsed.
SELECT to_regclass('public.stage1_schema_migrations') IS NOT NULL AS have_ledger,
       to_regclass('public.indicator_datasets') IS NOT NULL
           AND to_regclass('public.walkforward_runs') IS NOT NULL
           AND to_regclass('public.walkforward_folds') IS NOT NULL
           AND to_regclass('public.simulation_runs') IS NOT NULL AS have_base,
       (SELECT count(*) = 2
        FROM pg_catalog.pg_attribute a
        WHERE a.attrelid IN (to_regclass('public.walkforward_runs'), to_regclass('public.simulation_runs'))
          AND a.attname = 'serialized_config' AND NOT a.attisdropped) AS have_serialized,
       to_regprocedure('public.fn_placeholder_dataset_uuid(text)') IS NOT NULL AS have_uuid_fn
\gset

-- Facts from the data, gathered only where the objects exist; '' = could not be measured.
\set ledger_max ''
\set ledger_count ''
\set ledger_last ''
\set null_runs ''
\set null_simulations ''
\set dup_run_groups ''
\set dup_run_rows ''
\set dup_simulation_groups ''
\set dup_simulation_rows ''
\set orphan_runs ''
\set orphan_folds ''
\set orphan_simulations ''
\set placeholder_uuid ''
\set runs_without_folds ''
\set completed_without_folds ''
\set stale_placeholders ''
\set young_placeholders ''
\set row_summary ''
-- An empty placeholder dataset older than this many days is flagged (-v placeholder_days=N).
\if :{?placeholder_days}
\else
\set placeholder_days 7
\endif

\if :have_ledger
SELECT max(version) AS ledger_max, count(*) AS ledger_count,
       (SELECT name FROM public.stage1_schema_migrations ORDER BY version DESC LIMIT 1) AS ledger_last
FROM public.stage1_schema_migrations
\gset
\endif

\if :have_base
SELECT (SELECT count(*) FROM (SELECT 1 FROM public.walkforward_runs
                              GROUP BY dataset_id, prediction_measurement HAVING count(*) > 1) g) AS dup_run_groups,
       (SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM public.walkforward_runs
                              GROUP BY dataset_id, prediction_measurement HAVING count(*) > 1) g) AS dup_run_rows,
       (SELECT count(*) FROM (SELECT 1 FROM public.simulation_runs
                              GROUP BY run_id, questdb_namespace HAVING count(*) > 1) g) AS dup_simulation_groups,
       (SELECT coalesce(sum(n), 0) FROM (SELECT count(*) AS n FROM public.simulation_runs
                              GROUP BY run_id, questdb_namespace HAVING count(*) > 1) g) AS dup_simulation_rows,
       (SELECT count(*) FROM public.walkforward_runs r
        WHERE NOT EXISTS (SELECT 1 FROM public.indicator_datasets d WHERE d.dataset_id = r.dataset_id)) AS orphan_runs,
       (SELECT count(*) FROM public.walkforward_folds f
        WHERE NOT EXISTS (SELECT 1 FROM public.walkforward_runs r WHERE r.run_id = f.run_id)) AS orphan_folds,
       (SELECT count(*) FROM public.simulation_runs s
        WHERE NOT EXISTS (SELECT 1 FROM public.walkforward_runs r WHERE r.run_id = s.run_id)) AS orphan_simulations
\gset
\endif

\if :have_base
-- The same ground as stage1ctl validate (db/checks/validation.cpp), with the same line between a
-- finding and information: only a `completed` run without folds is a finding (a pending or running
-- run has none yet, a failed one may have stopped before its first fold), and only a
-- placeholder still empty after placeholder_days (younger ones are waiting to be registered).
SELECT (SELECT count(*) FROM public.walkforward_runs r
        WHERE NOT EXISTS (SELECT 1 FROM public.walkforward_folds f WHERE f.run_id = r.run_id)) AS runs_without_folds,
       (SELECT count(*) FROM public.walkforward_runs r
        WHERE NOT EXISTS (SELECT 1 FROM public.walkforward_folds f WHERE f.run_id = r.run_id)
          AND r.status = 'completed') AS completed_without_folds,
       (SELECT count(*) FROM public.indicator_datasets d
        WHERE d.source = 'laptop_imgui' AND d.row_count = 0
          AND d.created_at < now() - make_interval(days => :'placeholder_days'::int)) AS stale_placeholders,
       (SELECT count(*) FROM public.indicator_datasets d
        WHERE d.source = 'laptop_imgui' AND d.row_count = 0
          AND d.created_at >= now() - make_interval(days => :'placeholder_days'::int)) AS young_placeholders,
       format('%s datasets, %s runs, %s folds, %s simulations; runs per dataset %s, simulations per run %s, folds per run %s',
              (SELECT count(*) FROM public.indicator_datasets), (SELECT count(*) FROM public.walkforward_runs),
              (SELECT count(*) FROM public.walkforward_folds), (SELECT count(*) FROM public.simulation_runs),
              (SELECT coalesce(min(n) || '..' || max(n), '-') FROM (
                   SELECT count(r.run_id) AS n FROM public.indicator_datasets d
                   LEFT JOIN public.walkforward_runs r ON r.dataset_id = d.dataset_id GROUP BY d.dataset_id) x),
              (SELECT coalesce(min(n) || '..' || max(n), '-') FROM (
                   SELECT count(s.simulation_id) AS n FROM public.walkforward_runs r
                   LEFT JOIN public.simulation_runs s ON s.run_id = r.run_id GROUP BY r.run_id) x),
              (SELECT coalesce(min(n) || '..' || max(n), '-') FROM (
                   SELECT count(f.fold_index) AS n FROM public.walkforward_runs r
                   LEFT JOIN public.walkforward_folds f ON f.run_id = r.run_id GROUP BY r.run_id) x)) AS row_summary
\gset
\endif

\if :have_serialized
SELECT (SELECT count(*) FROM public.walkforward_runs WHERE serialized_config IS NULL) AS null_runs,
       (SELECT count(*) FROM public.simulation_runs WHERE serialized_config IS NULL) AS null_simulations
\gset
\endif

\if :have_uuid_fn
SELECT public.fn_placeholder_dataset_uuid('btc_2025_4h') AS placeholder_uuid
\gset
\endif

WITH
app AS (
    SELECT r.oid, r.rolcanlogin, r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = 'stage1_app'
),
base_table(name) AS (
    VALUES ('public.indicator_datasets'), ('public.walkforward_runs'),
           ('public.walkforward_folds'), ('public.simulation_runs')
),
expected_index(name) AS (
    VALUES ('idx_indicator_datasets_symbol_granularity'), ('idx_walkforward_runs_dataset_created'),
           ('idx_simulation_runs_run_created'), ('idx_walkforward_runs_measurement'),
           ('idx_simulation_runs_namespace'), ('idx_indicator_datasets_created_id'),
           ('idx_walkforward_runs_dataset_created_id'), ('idx_simulation_runs_run_created_id'),
           ('idx_walkforward_runs_config_identity')
),
expected_constraint(tbl, name) AS (
    VALUES ('public.walkforward_runs', 'uq_walkforward_runs_dataset_measurement'),
           ('public.simulation_runs', 'uq_simulation_runs_run_namespace')
),
expected_function(signature) AS (
    VALUES ('public.fn_list_datasets(int, timestamptz, uuid, text)'),
           ('public.fn_list_runs(uuid, int, timestamptz, uuid, text, text)'),
           ('public.fn_list_simulations(uuid, int, timestamptz, uuid, text, text)'),
           ('public.fn_placeholder_dataset_uuid(text)'),
           ('public.fn_upsert_placeholder_dataset(text, uuid, text)')
),
-- What stage1_app must be able to do, and what it must never be able to do.
app_privilege(kind, object, privilege, wanted) AS (
    SELECT 'table', t.name, 'SELECT', true FROM base_table t
    UNION ALL VALUES ('table', 'public.dataset_hierarchy', 'SELECT', true),
                     ('table', 'public.stage1_schema_migrations', 'SELECT', true),
                     ('table', 'public.walkforward_runs', 'INSERT', true),
                     ('table', 'public.walkforward_folds', 'INSERT', true),
                     ('table', 'public.simulation_runs', 'INSERT', true),
                     ('table', 'public.indicator_datasets', 'INSERT', false),
                     ('schema', 'public', 'USAGE', true),
                     ('schema', 'public', 'CREATE', false),
                     ('database', current_database(), 'CONNECT', true)
    UNION ALL SELECT 'table', t.name, p.privilege, false
              FROM base_table t CROSS JOIN (VALUES ('UPDATE'), ('DELETE'), ('TRUNCATE')) AS p(privilege)
    UNION ALL SELECT 'function', f.signature, 'EXECUTE', true FROM expected_function f
),
app_privilege_state AS (
    SELECT p.*,
           CASE p.kind
               WHEN 'table'    THEN has_table_privilege(a.oid, to_regclass(p.object), p.privilege)
               WHEN 'schema'   THEN has_schema_privilege(a.oid, p.object, p.privilege)
               WHEN 'database' THEN has_database_privilege(a.oid, p.object, p.privilege)
               WHEN 'function' THEN has_function_privilege(a.oid, to_regprocedure(p.object), p.privilege)
           END AS held
    FROM app_privilege p CROSS JOIN app a
),
app_owned AS (
    SELECT c.oid::regclass::text AS object FROM pg_catalog.pg_class c CROSS JOIN app a
    WHERE c.relnamespace = 'public'::regnamespace AND pg_has_role(a.oid, c.relowner, 'USAGE')
    UNION ALL
    SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p CROSS JOIN app a
    WHERE p.pronamespace = 'public'::regnamespace AND pg_has_role(a.oid, p.proowner, 'USAGE')
),
upsert_fn AS (
    SELECT p.prosecdef,
           coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, public, pg_temp'], false) AS safe_path,
           has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
    FROM pg_catalog.pg_proc p
    WHERE p.oid = to_regprocedure('public.fn_upsert_placeholder_dataset(text, uuid, text)')
),
checks(n, name, ok, detail) AS (
    SELECT 1, 'migrations ledger',
           nullif(:'ledger_max', '')::int >= 10 AND nullif(:'ledger_count', '')::int = nullif(:'ledger_max', '')::int,
           CASE WHEN NOT :'have_ledger'::boolean THEN 'public.stage1_schema_migrations is missing'
                WHEN :'ledger_max' = '' THEN 'ledger is empty'
                ELSE format('latest version %s (%s), %s applied, expected >= 10 without gaps',
                            :'ledger_max', :'ledger_last', :'ledger_count') END
    UNION ALL
    SELECT 2, 'base tables', count(*) = 0,
           coalesce('missing: ' || string_agg(t.name, ', '), 'all 4 present')
    FROM base_table t WHERE to_regclass(t.name) IS NULL
    UNION ALL
    SELECT 3, 'serialized_config columns', count(*) = 2,
           format('%s of 2 text columns present (walkforward_runs, simulation_runs)', count(*))
    FROM pg_catalog.pg_attribute a
    WHERE a.attrelid IN (to_regclass('public.walkforward_runs'), to_regclass('public.simulation_runs'))
      AND a.attname = 'serialized_config' AND NOT a.attisdropped AND a.atttypid = 'text'::regtype
    UNION ALL
    SELECT 4, 'indexes', count(*) = 0,
           coalesce('missing: ' || string_agg(i.name, ', '), 'all 9 present')
    FROM expected_index i WHERE to_regclass('public.' || i.name) IS NULL
    UNION ALL
    SELECT 5, 'unique constraints', count(*) = 0,
           coalesce('missing: ' || string_agg(c.name, ', '), 'both present')
    FROM expected_constraint c
    WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k
                      WHERE k.conrelid = to_regclass(c.tbl) AND k.conname = c.name AND k.contype = 'u')
    UNION ALL
    SELECT 6, 'dataset_hierarchy view',
           coalesce((SELECT relkind = 'v' FROM pg_catalog.pg_class WHERE oid = to_regclass('public.dataset_hierarchy')), false),
           CASE WHEN to_regclass('public.dataset_hierarchy') IS NULL THEN 'missing' ELSE 'present' END
    UNION ALL
    SELECT 7, 'functions', count(*) = 0,
           coalesce('missing: ' || string_agg(f.signature, ', '), 'all 5 present')
    FROM expected_function f WHERE to_regprocedure(f.signature) IS NULL
    UNION ALL
    SELECT 8, 'upsert function hardening',
           coalesce(bool_and(u.prosecdef AND u.safe_path AND NOT u.public_execute), false),
           CASE WHEN count(*) = 0 THEN 'fn_upsert_placeholder_dataset is missing'
                ELSE format('security definer: %s, safe search_path: %s, PUBLIC may execute: %s',
                            bool_and(u.prosecdef), bool_and(u.safe_path), bool_and(u.public_execute)) END
    FROM upsert_fn u
    UNION ALL
    SELECT 9, 'placeholder uuid recipe',
           :'placeholder_uuid' = '44744a70-d595-8a7e-90ab-1d7c7795b1f2',
           CASE WHEN :'placeholder_uuid' = '' THEN 'fn_placeholder_dataset_uuid is missing'
                ELSE format('btc_2025_4h -> %s (expected 44744a70-d595-8a7e-90ab-1d7c7795b1f2)', :'placeholder_uuid') END
    UNION ALL
    -- A finding for every status: 0003 filled the legacy rows written before 0002, and the desktop
    -- records the config on every INSERT, so a NULL now comes from a client that does not.
    SELECT 10, 'serialized_config NULLs',
           nullif(:'null_runs', '')::bigint = 0 AND nullif(:'null_simulations', '')::bigint = 0,
           CASE WHEN :'null_runs' = '' THEN 'columns missing'
                ELSE format('%s run(s), %s simulation(s) without serialized_config', :'null_runs', :'null_simulations') END
    UNION ALL
    -- Findings whatever the status: 0005 forbids them, and such rows read each other s QuestDB data.
    SELECT 11, 'duplicate (dataset_id, prediction_measurement)',
           nullif(:'dup_run_groups', '')::bigint = 0,
           CASE WHEN :'dup_run_groups' = '' THEN 'tables missing'
                ELSE format('%s group(s), %s row(s); see db/scripts/resolve_duplicate_pairs.sql', :'dup_run_groups', :'dup_run_rows') END
    UNION ALL
    SELECT 12, 'duplicate (run_id, questdb_namespace)',
           nullif(:'dup_simulation_groups', '')::bigint = 0,
           CASE WHEN :'dup_simulation_groups' = '' THEN 'tables missing'
                ELSE format('%s group(s), %s row(s); see db/scripts/resolve_duplicate_pairs.sql', :'dup_simulation_groups', :'dup_simulation_rows') END
    UNION ALL
    -- Findings: the foreign keys of 0001 forbid them; only a database adopted without them has any.
    SELECT 13, 'orphan rows',
           nullif(:'orphan_runs', '')::bigint = 0 AND nullif(:'orphan_folds', '')::bigint = 0
               AND nullif(:'orphan_simulations', '')::bigint = 0,
           CASE WHEN :'orphan_runs' = '' THEN 'tables missing'
                ELSE format('runs without dataset: %s, folds without run: %s, simulations without run: %s',
                            :'orphan_runs', :'orphan_folds', :'orphan_simulations') END
    UNION ALL
    SELECT 14, 'stage1_app role',
           coalesce((SELECT NOT rolsuper FROM app), false),
           coalesce((SELECT format('exists, %s%s', CASE WHEN rolcanlogin THEN 'LOGIN' ELSE 'NOLOGIN (operators enable login)' END,
                                   CASE WHEN rolsuper THEN ', SUPERUSER: bypasses every restriction' ELSE '' END)
                     FROM app), 'missing (migration 0009)')
    UNION ALL
    SELECT 15, 'stage1_app forbidden privileges',
           (SELECT count(*) FROM app) = 1 AND count(*) = 0,
           CASE WHEN (SELECT count(*) FROM app) = 0 THEN 'role missing'
                ELSE coalesce('held: ' || string_agg(s.privilege || ' on ' || s.object, ', '),
                              'no UPDATE/DELETE/TRUNCATE, no INSERT on indicator_datasets, no CREATE on public') END
    FROM app_privilege_state s WHERE NOT s.wanted AND s.held
    UNION ALL
    SELECT 16, 'stage1_app granted privileges',
           (SELECT count(*) FROM app) = 1 AND count(*) = 0,
           CASE WHEN (SELECT count(*) FROM app) = 0 THEN 'role missing'
                ELSE coalesce('lacking: ' || string_agg(s.privilege || ' on ' || s.object, ', '),
                              'select, insert run/fold/simulation, execute the 5 functions, connect') END
    FROM app_privilege_state s WHERE s.wanted AND s.held IS DISTINCT FROM true
    UNION ALL
    SELECT 17, 'stage1_app owns nothing in public', count(*) = 0,
           coalesce('owns (could bypass restrictions): ' || string_agg(o.object, ', '), 'owns nothing')
    FROM app_owned o
    UNION ALL
    -- Only completed runs count; the others are information in the detail (see the facts above).
    SELECT 18, 'runs without folds',
           nullif(:'completed_without_folds', '')::bigint = 0,
           CASE WHEN :'runs_without_folds' = '' THEN 'tables missing'
                ELSE format('%s completed run(s) without folds; %s not completed without folds '
                            || '(information: pending, running or failed); stage1ctl validate lists them',
                            :'completed_without_folds',
                            nullif(:'runs_without_folds', '')::bigint - nullif(:'completed_without_folds', '')::bigint) END
    UNION ALL
    -- Only placeholders older than placeholder_days count; younger ones are information.
    SELECT 19, 'stale placeholder datasets',
           nullif(:'stale_placeholders', '')::bigint = 0,
           CASE WHEN :'stale_placeholders' = '' THEN 'tables missing'
                ELSE format('%s placeholder dataset(s) (source laptop_imgui) still with row_count 0 after %s days; '
                            || '%s younger (information: not registered yet)',
                            :'stale_placeholders', :'placeholder_days', :'young_placeholders') END
    UNION ALL
    -- Information: fails only when the tables cannot be read.
    SELECT 20, 'row counts', :'row_summary' <> '',
           CASE WHEN :'row_summary' = '' THEN 'tables missing' ELSE :'row_summary' END
),
summary AS (
    SELECT bool_and(coalesce(c.ok, false)) AS all_ok,
           count(*) FILTER (WHERE NOT coalesce(c.ok, false)) AS failed,
           count(*) AS total,
           string_agg(c.name, ', ' ORDER BY c.n) FILTER (WHERE NOT coalesce(c.ok, false)) AS failed_names
    FROM checks c
),
line AS (
    SELECT c.n, c.name, coalesce(c.ok, false) AS ok, c.detail FROM checks c
    UNION ALL
    SELECT 1000, 'overall', s.all_ok,
           CASE WHEN s.all_ok THEN format('all %s checks passed', s.total)
                ELSE format('%s of %s checks failed: %s', s.failed, s.total, s.failed_names) END
    FROM summary s
),
width AS (
    SELECT max(length(l.name)) AS w FROM line l
)
SELECT (SELECT s.all_ok FROM summary s) AS all_ok,
       rpad('check', w.w) || ' | ok   | detail' || E'\n' || repeat('-', w.w) || '-+------+-' || repeat('-', 40) || E'\n'
       || string_agg(rpad(l.name, w.w) || ' | ' || CASE WHEN l.ok THEN 'ok  ' ELSE 'FAIL' END || ' | ' || l.detail,
                     E'\n' ORDER BY l.n) AS report
FROM line l CROSS JOIN width w
GROUP BY w.w
\gset check_

COMMIT;

\echo :check_report

\if :check_all_ok
\else
DO $$ BEGIN RAISE EXCEPTION 'postgres_checks: at least one check failed (see the lines marked FAIL above)'; END $$;
\endif
