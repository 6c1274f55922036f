CREATE OR REPLACE FUNCTION f(x int) RETURNS int
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $body$
BEGIN
  RETURN x + 1; -- a ';' inside the body
END;
$body$;
DO $$ BEGIN PERFORM 1; END $$;
