-- 0012_spool_writer_role: the role `stage1ctl replay-spool` runs every spooled statement as.
-- Why: the spool is mirrored from analysts' desktops, so it is untrusted input. replay-spool sends
-- only the INSERTs its grammar accepts (db/spool/spool_grammar.hpp); this role is the second wall, for the
-- day that grammar is wrong. Inside each transaction the replay switches to it (SET LOCAL ROLE), so
-- a spooled statement can at most INSERT into the four Stage 1 tables and the spool ledger: no
-- UPDATE, DELETE, DDL, GRANT, no reading files, no other table. Foreign keys are still checked (as
-- the tables' owner, as PostgreSQL always does).
-- A session can always SET ROLE back to its login role, so the wall is whole only when the replay
-- logs in as this role itself (docs/RUNBOOK.md, "What a spool may hold"); a replay logged in as
-- postgres still refuses to commit a batch during which the role changed (db/spool/spool_batches.cpp).
-- The role is cluster-wide, created NOLOGIN, and owns nothing. Runs inside the migrator's transaction.

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'stage1_spool_writer') THEN
        RETURN;
    END IF;
    BEGIN
        CREATE ROLE stage1_spool_writer NOLOGIN NOINHERIT;
    EXCEPTION
        -- Another database of this cluster migrating at the same time created it first.
        WHEN duplicate_object OR unique_violation THEN
            RAISE NOTICE '0012: role stage1_spool_writer was created concurrently; using it';
        WHEN insufficient_privilege THEN
            RAISE EXCEPTION USING
                ERRCODE = 'insufficient_privilege',
                MESSAGE = format('0012_spool_writer_role: role stage1_spool_writer does not exist and %s may not create roles', current_user),
                HINT    = 'An operator runs CREATE ROLE stage1_spool_writer NOLOGIN NOINHERIT once per cluster, then run stage1ctl migrate again.';
    END;
END
$$;

-- Start from nothing, then grant exactly INSERT where a desktop's statements go.
REVOKE ALL ON TABLE public.indicator_datasets, public.walkforward_runs, public.walkforward_folds,
                    public.simulation_runs, public.stage1_spool_ledger, public.dataset_hierarchy
    FROM stage1_spool_writer;
GRANT USAGE ON SCHEMA public TO stage1_spool_writer;
REVOKE CREATE ON SCHEMA public FROM stage1_spool_writer;
GRANT INSERT ON TABLE public.indicator_datasets, public.walkforward_runs, public.walkforward_folds,
                      public.simulation_runs, public.stage1_spool_ledger
    TO stage1_spool_writer;
-- The replay reads the ledger (which hashes are done) with the same role when it logs in as it.
GRANT SELECT ON TABLE public.stage1_spool_ledger TO stage1_spool_writer;
-- PostgreSQL names the missing key of a foreign-key violation (`Key (dataset_id)=(...) is not
-- present`) only to a role that may read the referencing column; replay-spool turns that line into
-- the backfill-dataset command it prints. Those id columns, and nothing else, are readable.
GRANT SELECT (dataset_id) ON TABLE public.walkforward_runs TO stage1_spool_writer;
GRANT SELECT (run_id) ON TABLE public.walkforward_folds, public.simulation_runs TO stage1_spool_writer;

-- The role that migrates (normally the tables' owner, which also replays) must be able to become
-- it; superusers can anyway.
DO $$
BEGIN
    IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)
       OR pg_catalog.pg_has_role(current_user, 'stage1_spool_writer', 'MEMBER') THEN
        RETURN;
    END IF;
    BEGIN
        EXECUTE format('GRANT stage1_spool_writer TO %I', current_user);
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE WARNING '0012: % cannot grant itself stage1_spool_writer; replay-spool needs it', current_user
            USING HINT = format('An operator runs GRANT stage1_spool_writer TO %I (the role that runs replay-spool).', current_user);
    END;
END
$$;

-- Nothing but those grants may reach it: not through membership, not as owner.
DO $$
DECLARE
    v_extra text;
BEGIN
    SELECT string_agg(r.rolname, ', ' ORDER BY r.rolname)
      INTO v_extra
    FROM pg_catalog.pg_auth_members m
    JOIN pg_catalog.pg_roles r ON r.oid = m.roleid
    WHERE m.member = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = 'stage1_spool_writer');
    IF v_extra IS NOT NULL THEN
        RAISE WARNING 'stage1_spool_writer is a member of %: spooled statements get those rights too', v_extra
            USING HINT = 'REVOKE <role> FROM stage1_spool_writer.';
    END IF;
    IF (SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls
        FROM pg_catalog.pg_roles WHERE rolname = 'stage1_spool_writer') THEN
        RAISE WARNING 'stage1_spool_writer has SUPERUSER, CREATEROLE, CREATEDB or BYPASSRLS'
            USING HINT = 'ALTER ROLE stage1_spool_writer NOSUPERUSER NOCREATEROLE NOCREATEDB NOBYPASSRLS.';
    END IF;
END
$$;
