-- 0009_stage1_app_role: the role the debugger and stage1ctl connect as, with the least it needs:
-- read everything, record runs/folds/simulations, page through lists, add placeholder datasets
-- only through fn_upsert_placeholder_dataset. It can never UPDATE, DELETE, TRUNCATE or DROP, and
-- cannot create objects in schema public.
-- The role is cluster-wide and created NOLOGIN when missing; its LOGIN and password are set by
-- operators (docs/DEPLOYMENT_CHECKLIST.md) and never touched here.

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'stage1_app') THEN
        RETURN;
    END IF;
    BEGIN
        CREATE ROLE stage1_app NOLOGIN;
    EXCEPTION
        -- Another database of this cluster migrating at the same time created it first. A racing
        -- CREATE ROLE that waited on the other transaction fails on pg_authid's unique index
        -- (unique_violation) rather than with duplicate_object.
        WHEN duplicate_object OR unique_violation THEN
            RAISE NOTICE '0009: role stage1_app was created concurrently; using it';
        WHEN insufficient_privilege THEN
            RAISE EXCEPTION USING
                ERRCODE = 'insufficient_privilege',
                MESSAGE = format('0009_stage1_app_role: role stage1_app does not exist and %s may not create roles', current_user),
                HINT    = 'An operator runs CREATE ROLE stage1_app NOLOGIN once per cluster, then run stage1ctl migrate again.';
    END;
END
$$;

DO $$
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO stage1_app', current_database());
    EXECUTE format('REVOKE CREATE ON DATABASE %I FROM stage1_app', current_database());
END
$$;

GRANT USAGE ON SCHEMA public TO stage1_app;
-- PostgreSQL 15 no longer grants CREATE on public to PUBLIC, but databases created by older
-- versions (or restored from their dumps) still do.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM stage1_app;

-- Start from nothing, then grant exactly what the app needs.
REVOKE ALL ON TABLE public.indicator_datasets, public.walkforward_runs, public.walkforward_folds,
                    public.simulation_runs, public.dataset_hierarchy
    FROM stage1_app;
-- A write privilege left on PUBLIC would reach stage1_app through PUBLIC; nothing should write
-- these tables except through their owner or an explicit grant.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER
    ON TABLE public.indicator_datasets, public.walkforward_runs, public.walkforward_folds,
             public.simulation_runs
    FROM PUBLIC;

GRANT SELECT ON TABLE public.indicator_datasets, public.walkforward_runs, public.walkforward_folds,
                      public.simulation_runs, public.dataset_hierarchy
    TO stage1_app;
GRANT INSERT ON TABLE public.walkforward_runs, public.walkforward_folds, public.simulation_runs
    TO stage1_app;

DO $$
BEGIN
    -- The migrator creates the ledger before 0001; hand-applied files may lack it.
    IF to_regclass('public.stage1_schema_migrations') IS NOT NULL THEN
        GRANT SELECT ON TABLE public.stage1_schema_migrations TO stage1_app;
    ELSE
        RAISE WARNING '0009: public.stage1_schema_migrations does not exist; stage1_app gets no SELECT on it';
    END IF;
END
$$;

REVOKE EXECUTE ON FUNCTION public.fn_upsert_placeholder_dataset(text, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    public.fn_list_datasets(int, timestamptz, uuid, text),
    public.fn_list_runs(uuid, int, timestamptz, uuid, text, text),
    public.fn_list_simulations(uuid, int, timestamptz, uuid, text, text),
    public.fn_placeholder_dataset_uuid(text),
    public.fn_upsert_placeholder_dataset(text, uuid, text)
    TO stage1_app;

-- An owner (or a member of the owning role) keeps every right regardless of the grants above.
DO $$
DECLARE
    v_owned text;
    v_leaks text;
BEGIN
    SELECT string_agg(o.what || ' (owner ' || o.owner::regrole::text || ')', ', ' ORDER BY o.what)
      INTO v_owned
    FROM (
        SELECT c.oid::regclass::text AS what, c.relowner AS owner
        FROM pg_catalog.pg_class c
        WHERE c.oid IN ('public.indicator_datasets'::regclass, 'public.walkforward_runs'::regclass,
                        'public.walkforward_folds'::regclass, 'public.simulation_runs'::regclass,
                        'public.dataset_hierarchy'::regclass)
        UNION ALL
        SELECT p.oid::regprocedure::text, p.proowner
        FROM pg_catalog.pg_proc p
        WHERE p.oid IN ('public.fn_list_datasets(int, timestamptz, uuid, text)'::regprocedure,
                        'public.fn_list_runs(uuid, int, timestamptz, uuid, text, text)'::regprocedure,
                        'public.fn_list_simulations(uuid, int, timestamptz, uuid, text, text)'::regprocedure,
                        'public.fn_placeholder_dataset_uuid(text)'::regprocedure,
                        'public.fn_upsert_placeholder_dataset(text, uuid, text)'::regprocedure)
    ) AS o
    WHERE pg_catalog.pg_has_role('stage1_app', o.owner, 'USAGE');

    IF v_owned IS NOT NULL THEN
        RAISE WARNING 'stage1_app owns (or is a member of the owner of) %: it can bypass the UPDATE/DELETE/TRUNCATE/DROP restrictions', v_owned
            USING HINT = 'ALTER ... OWNER TO the migration role, or remove stage1_app from the owning role.';
    END IF;

    -- Privileges inherited through other roles are an operator's choice; say so rather than fail.
    SELECT string_agg(format('%s on %s', p.priv, t.tbl), ', ')
      INTO v_leaks
    FROM unnest(ARRAY['public.indicator_datasets', 'public.walkforward_runs',
                      'public.walkforward_folds', 'public.simulation_runs']) AS t(tbl)
    CROSS JOIN unnest(ARRAY['UPDATE', 'DELETE', 'TRUNCATE']) AS p(priv)
    WHERE pg_catalog.has_table_privilege('stage1_app', t.tbl, p.priv);
    IF pg_catalog.has_table_privilege('stage1_app', 'public.indicator_datasets', 'INSERT') THEN
        v_leaks := concat_ws(', ', v_leaks, 'INSERT on public.indicator_datasets');
    END IF;
    IF pg_catalog.has_schema_privilege('stage1_app', 'public', 'CREATE') THEN
        v_leaks := concat_ws(', ', v_leaks, 'CREATE on schema public');
    END IF;
    IF v_leaks IS NOT NULL THEN
        RAISE WARNING 'stage1_app still holds %, through membership in another role or superuser', v_leaks
            USING HINT = 'Check \du stage1_app; db/checks/postgres_checks.sql reports this as a failure.';
    END IF;
END
$$;
