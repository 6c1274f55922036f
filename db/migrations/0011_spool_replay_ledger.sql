-- 0011_spool_replay_ledger: the ledger that makes `stage1ctl replay-spool` apply each spooled
-- statement exactly once, ever.
-- Why: the desktops' offline spool (pending_postgres_inserts.sql) is mirrored and replayed every
-- night, and the same file (or a leftover of a crashed run) may be replayed again. Each statement's
-- ledger row is inserted in the same transaction as the statement, so either both are there or
-- neither is; a statement whose hash is here is never sent again.
--
-- statement_sha256: lower-case hex SHA-256 of the statement's bytes from its first character that
--   is not whitespace or part of a comment (the desktop's "-- note" line is not hashed) up to, not
--   including, its terminating ';', with the whitespace before that ';' removed. Nothing else is
--   normalised (db/sql_splitter.hpp: statementKeyText).
-- outcome: 'applied', or 'already_present' when the statement failed with unique_violation (23505)
--   because its row was already there. Deferred and quarantined statements get no row: they must be
--   retried (deferred) or may be fixed and spooled again (quarantined).
--
-- No grant to stage1_app: the app never reads this table, and the replay runs as the owner role
-- because the spool holds INSERTs into indicator_datasets that stage1_app may not do (0009).
-- Runs inside the migrator's transaction (no BEGIN/COMMIT here).

CREATE TABLE IF NOT EXISTS public.stage1_spool_ledger (
    statement_sha256 text COLLATE "C" PRIMARY KEY CHECK (octet_length(statement_sha256) = 64),
    first_line       integer     NOT NULL CHECK (first_line > 0),
    source_file      text        NOT NULL,
    applied_at       timestamptz NOT NULL DEFAULT now(),
    outcome          text        NOT NULL CHECK (outcome IN ('applied', 'already_present'))
);

COMMENT ON TABLE public.stage1_spool_ledger IS
    'Spooled statements already replayed by stage1ctl replay-spool (one row per statement hash). Never edit by hand: a deleted row makes its statement run again.';
COMMENT ON COLUMN public.stage1_spool_ledger.statement_sha256 IS
    'sha256 (hex) of the statement text from its first non-comment character to before its terminating semicolon, trailing whitespace removed';
COMMENT ON COLUMN public.stage1_spool_ledger.source_file IS
    'the archived spool file the statement was replayed from (<spool dir>/archive/<name>.<timestamp>.sql)';

REVOKE ALL ON TABLE public.stage1_spool_ledger FROM PUBLIC;
