INSERT INTO public.walkforward_runs (run_id, dataset_id, created_at) VALUES ('a'::uuid, 'b'::uuid, '2026-01-01 00:00:00+00'::timestamp with time zone);
INSERT INTO public.walkforward_runs (run_id, dataset_id, created_at) VALUES ('c'::uuid, 'd'::uuid, DEFAULT), ('e'::uuid, NULL, now());
INSERT INTO t VALUES (-1, +2.5, TRUE, FALSE, NULL, ARRAY[1,2]::int[], '{"a":1}'::jsonb) RETURNING id;
INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING;
INSERT INTO "Quoted"."Table" ("Col") VALUES (1::"numeric"(10, 2));
