-- questdb_checks.sql: the QuestDB side of `stage1ctl validate --questdb`, runnable with psql.
-- The comparison itself needs two databases at once, so stage1ctl does it in C++ with two
-- connections (db/checks/validation_questdb.cpp); this script lists what to compare and checks one table.
--
-- 1. On PostgreSQL, list what QuestDB must hold (a table per dataset, completed run and simulation):
--      psql -X -d stage1_trading -v expected=1 -f db/checks/questdb_checks.sql
-- 2. On QuestDB (its PostgreSQL wire protocol, port 8812), list its tables:
--      psql -X -h <questdb> -p 8812 -U admin -d qdb -f db/checks/questdb_checks.sql
-- 3. On QuestDB, check one table from the list of step 1, and its row count for a dataset:
--      psql -X -h <questdb> -p 8812 -U admin -d qdb -v table=btc_2025_4h -v expected_rows=1200 \
--           -f db/checks/questdb_checks.sql
--    Prints `ok` or the problem; exits 3 (psql's ON_ERROR_STOP status) when the table is missing or
--    holds another number of rows, 0 otherwise.
-- On QuestDB only SQL that QuestDB documents is used: tables() (its table_name column) and
-- SELECT count(*) FROM "<table>". The tests run steps 2 and 3 against a PostgreSQL stand-in that
-- defines a tables() function and plain tables, NOT against QuestDB itself.

\set ON_ERROR_STOP on
\set QUIET on

\if :{?expected}
-- Step 1 (PostgreSQL): kind, id, the QuestDB table it names, the rows PostgreSQL records, and whether
-- a missing table is a finding (as in stage1ctl validate): every dataset's; only a completed run's or
-- simulation's (pending, running and failed ones may not have written theirs). A placeholder
-- (source laptop_imgui, row_count 0) has no row count recorded to compare yet.
SELECT 'dataset' AS kind, dataset_id::text AS id, questdb_tag AS questdb_table,
       CASE WHEN source = 'laptop_imgui' AND row_count = 0 THEN NULL ELSE row_count END AS expected_rows,
       NULL AS status, true AS must_exist
FROM public.indicator_datasets
UNION ALL
SELECT 'run', run_id::text, prediction_measurement, NULL, status, status = 'completed' FROM public.walkforward_runs
UNION ALL
SELECT 'simulation', simulation_id::text, questdb_namespace, NULL, status, status = 'completed'
FROM public.simulation_runs
ORDER BY 1, 3, 2;
\elif :{?table}
-- Step 3 (QuestDB): one table. :'table' and :"table" are quoted by psql, never spliced raw.
SELECT count(*) AS table_present FROM tables() WHERE table_name = :'table'
\gset
\if :table_present
SELECT count(*) AS table_rows FROM :"table"
\gset
\if :{?expected_rows}
SELECT :'table_rows' = :'expected_rows' AS rows_match
\gset
\if :rows_match
\echo ok: :table has :table_rows rows, as expected
\else
\echo FAIL: :table has :table_rows rows, PostgreSQL records :expected_rows
SELECT 1 FROM "questdb_check_failed (see the FAIL line above)";
\endif
\else
\echo ok: :table exists with :table_rows rows
\endif
\else
\echo FAIL: no table :table in tables()
SELECT 1 FROM "questdb_check_failed (see the FAIL line above)";
\endif
\else
-- Step 2 (QuestDB): every table.
SELECT table_name FROM tables() ORDER BY table_name;
\endif
