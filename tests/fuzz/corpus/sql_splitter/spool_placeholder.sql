-- stage1-debugger 2026-11-26T12:00:00Z: placeholder dataset btcusdt-1m-binance
INSERT INTO public.indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag, row_count, first_bar_ts, last_bar_ts) VALUES (E'6f1c2a44-0d1e-4d7a-9b0e-2f8f3c1d9a10'::uuid, E'BTCUSDT', E'1m', E'binance', E'btcusdt-1m-binance', 0, E'2026-11-26T12:00:00Z'::timestamptz, E'2026-11-26T12:00:00Z'::timestamptz);
-- stage1-debugger 2026-11-26T12:00:05Z: placeholder dataset o'brien\test
INSERT INTO public.indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag, row_count, first_bar_ts, last_bar_ts) VALUES (E'7a2d3b55-1e2f-4e8b-8c1f-3a9a4d2e0b21'::uuid, E'ETH''USD', E'5m', E'c:\\feeds', E'o''brien\\test', 0, E'2026-11-26T12:00:05Z'::timestamptz, E'2026-11-26T12:00:05Z'::timestamptz);
