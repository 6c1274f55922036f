-- crlf spool entry
INSERT INTO t (a, b)
  VALUES (1, E'x\r\ny');
-- next
SELECT 1;
