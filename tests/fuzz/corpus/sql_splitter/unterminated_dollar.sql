SELECT 1;
SELECT $tag$ never closed