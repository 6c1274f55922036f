-- backfill_placeholder_dataset.sql: register a dataset slug that exists in QuestDB but not in
-- indicator_datasets, as a placeholder (granularity 'unknown', source 'laptop_imgui').
--   psql -X -d <db> -v slug=btc_2025_4h [-v uuid=<dataset uuid>] [-v symbol=BTC] \
--        -f db/scripts/backfill_placeholder_dataset.sql
-- uuid defaults to fn_placeholder_dataset_uuid(slug), symbol to the slug's leading letters/digits
-- upper-cased. Running it again is harmless: it reports the dataset as already present.
-- Goes through fn_upsert_placeholder_dataset (migration 0008), so stage1_app may run it.
-- Exit status: 0 created or already present; 3 on a bad/missing slug or any other error.

\set ON_ERROR_STOP on
-- The upsert must be committed even if a psqlrc turned autocommit off.
\set AUTOCOMMIT on

\if :{?slug}
\else
    \echo 'usage: psql -v slug=<dataset slug> [-v uuid=<dataset uuid>] [-v symbol=<SYMBOL>] -f db/scripts/backfill_placeholder_dataset.sql'
    DO $$ BEGIN RAISE EXCEPTION 'backfill_placeholder_dataset.sql: the slug variable is required (-v slug=...)'; END $$;
\endif
-- An empty value means "not given": the function then derives the id / symbol.
\if :{?uuid}
\else
    \set uuid ''
\endif
\if :{?symbol}
\else
    \set symbol ''
\endif

-- Values are passed as quoted literals (:'var'), never spliced into the SQL text.
SELECT u.dataset_id, u.inserted, u.note
FROM public.fn_upsert_placeholder_dataset(:'slug', nullif(:'uuid', '')::uuid, nullif(:'symbol', '')) AS u
\gset result_

SELECT :'result_dataset_id'::uuid AS dataset_id, :'result_inserted'::boolean AS inserted, :'result_note' AS note;

\if :result_inserted
    \echo 'created:' :slug '->' :result_dataset_id
\else
    \echo 'already present:' :slug '->' :result_dataset_id '(see note)'
\endif
