INSERT INTO t VALUES ('done');
INSERT INTO t VALUES ('half a string