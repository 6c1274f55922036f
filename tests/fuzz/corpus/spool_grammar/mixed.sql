INSERT /* a; /* b */ c */ INTO "simulation_runs" (simulation_id) -- x
VALUES (E'it\'s \x41 \u00e9') ON CONFLICT ON CONSTRAINT simulation_runs_pkey DO NOTHING;
DELETE FROM walkforward_runs;
INSERT INTO simulation_runs (a) VALUES ($q$;$q$), (pg_read_file('x')), ((SELECT 1)) RETURNING *;