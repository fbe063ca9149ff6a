-- setup: the extension installs cleanly and registers its configuration
-- tables for pg_dump.
CREATE EXTENSION lakets;
SELECT extversion FROM pg_extension WHERE extname = 'lakets';
SELECT c.relname
FROM pg_extension e, unnest(e.extconfig) AS cfg(oid)
JOIN pg_class c ON c.oid = cfg.oid
WHERE e.extname = 'lakets'
ORDER BY 1;
-- everyone may read the registry, nobody but its owner may write it
SELECT has_table_privilege('public', 'lakets._chronotable_registry', 'SELECT') AS can_read,
       has_table_privilege('public', 'lakets._chronotable_registry', 'INSERT') AS can_write;
-- no lakets function is SECURITY DEFINER
SELECT count(*) AS security_definer
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'lakets' AND p.prosecdef;
