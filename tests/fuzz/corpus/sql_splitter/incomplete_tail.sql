-- stage1-debugger 2026-11-26T12:00:00Z: complete
INSERT INTO t VALUES (1);
-- stage1-debugger 2026-11-26T12:00:01Z: cut off by a crash
INSERT INTO t VALUES (2
