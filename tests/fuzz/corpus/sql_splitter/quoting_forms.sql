SELECT 'a;b', 'it''s; fine', '' AS empty;
SELECT E'it\'s; escaped', E'a\\b;', e'tab\tend';
SELECT U&'d\0061t\+000061;', B'1010', X'1F', N'national;';
SELECT $$dollar; body$$, $fn$ nested $$ ; $fn$;
SELECT "quoted ""ident""; here" FROM "My Table";
/* block /* nested ; */ still comment ; */ SELECT 1 /* inline; */ ;
-- line comment; with a semicolon
SELECT 2; -- trailing comment
SELECT (1; 2);
SELECT $1, $2 FROM t WHERE a = $3;
SELECT 1e5, 1.5e-3, .5, 0x1F, name$with$dollar;
