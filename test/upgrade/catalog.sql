-- test/upgrade/catalog.sql: lakets' objects as the catalog describes them,
-- one sorted line each, free of OIDs and of the data in its tables. The
-- upgrade test runs it in a database updated from 0.1 and in a fresh 0.2
-- install: any difference is an SQL change missing from the update script
-- (or made wrong there).
WITH ext AS (
	SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'lakets'
), members AS (
	SELECT d.classid, d.objid
	FROM pg_catalog.pg_depend d, ext
	WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.refobjid = ext.oid
	  AND d.deptype = 'e'
), rels AS (
	SELECT c.oid, c.relname, c.relkind FROM pg_catalog.pg_class c
	JOIN members m ON m.classid = 'pg_catalog.pg_class'::regclass AND m.objid = c.oid
)
SELECT line FROM (
	-- every member, whatever its kind
	SELECT 'member ' || pg_catalog.pg_describe_object(m.classid, m.objid, 0) AS line
	FROM members m
	UNION ALL
	-- functions and procedures
	SELECT format('function %s(%s) kind=%s returns=%s volatile=%s strict=%s secdef=%s leakproof=%s parallel=%s config=%s acl=%s cost=%s rows=%s lang=%s args=%s defaults=%s body=%s bin=%s comment=%s',
		p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid), p.prokind,
		pg_catalog.pg_get_function_result(p.oid), p.provolatile, p.proisstrict, p.prosecdef,
		p.proleakproof, p.proparallel, p.proconfig, p.proacl, p.procost, p.prorows,
		l.lanname, pg_catalog.pg_get_function_arguments(p.oid),
		pg_catalog.pg_get_expr(p.proargdefaults, 0),
		CASE WHEN p.prosqlbody IS NOT NULL THEN pg_catalog.pg_get_functiondef(p.oid) ELSE p.prosrc END,
		p.probin, pg_catalog.obj_description(p.oid, 'pg_proc'))
	FROM pg_catalog.pg_proc p
	JOIN members m ON m.classid = 'pg_catalog.pg_proc'::regclass AND m.objid = p.oid
	JOIN pg_catalog.pg_language l ON l.oid = p.prolang
	UNION ALL
	-- relations
	SELECT format('relation %s kind=%s acl=%s options=%s persistence=%s comment=%s',
		c.relname, c.relkind, c.relacl, c.reloptions, c.relpersistence,
		pg_catalog.obj_description(c.oid, 'pg_class'))
	FROM pg_catalog.pg_class c JOIN rels r ON r.oid = c.oid
	UNION ALL
	-- columns, in their order
	SELECT format('column %s.%s #%s type=%s notnull=%s default=%s identity=%s generated=%s acl=%s comment=%s',
		r.relname, a.attname,
		pg_catalog.row_number() OVER (PARTITION BY r.oid ORDER BY a.attnum),
		pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
		pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated, a.attacl,
		pg_catalog.col_description(r.oid, a.attnum))
	FROM rels r
	JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
	LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = r.oid AND ad.adnum = a.attnum
	WHERE r.relkind IN ('r', 'v', 'm', 'p', 'f')
	UNION ALL
	SELECT format('constraint %s.%s %s', r.relname, co.conname, pg_catalog.pg_get_constraintdef(co.oid))
	FROM rels r JOIN pg_catalog.pg_constraint co ON co.conrelid = r.oid
	UNION ALL
	SELECT format('index %s', pg_catalog.pg_get_indexdef(i.indexrelid))
	FROM rels r JOIN pg_catalog.pg_index i ON i.indrelid = r.oid
	UNION ALL
	SELECT format('trigger %s', pg_catalog.pg_get_triggerdef(t.oid))
	FROM rels r JOIN pg_catalog.pg_trigger t ON t.tgrelid = r.oid AND NOT t.tgisinternal
	UNION ALL
	SELECT format('view %s %s', r.relname, pg_catalog.pg_get_viewdef(r.oid))
	FROM rels r WHERE r.relkind IN ('v', 'm')
	UNION ALL
	SELECT format('sequence %s type=%s start=%s increment=%s min=%s max=%s cycle=%s owned_by=%s',
		r.relname, pg_catalog.format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,
		s.seqmin, s.seqmax, s.seqcycle,
		(SELECT pg_catalog.pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid)
		 FROM pg_catalog.pg_depend d
		 WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = r.oid AND d.deptype = 'a'))
	FROM rels r JOIN pg_catalog.pg_sequence s ON s.seqrelid = r.oid
	UNION ALL
	SELECT format('event trigger %s on %s tags=%s enabled=%s function=%s',
		e.evtname, e.evtevent, e.evttags, e.evtenabled, e.evtfoid::regproc)
	FROM pg_catalog.pg_event_trigger e
	JOIN members m ON m.classid = 'pg_catalog.pg_event_trigger'::regclass AND m.objid = e.oid
	UNION ALL
	SELECT format('schema %s acl=%s comment=%s', n.nspname, n.nspacl,
		pg_catalog.obj_description(n.oid, 'pg_namespace'))
	FROM pg_catalog.pg_namespace n WHERE n.nspname = 'lakets'
	UNION ALL
	-- the tables pg_dump dumps the data of, and which rows
	SELECT format('config %s condition=%s', c.relname, x.cond)
	FROM pg_catalog.pg_extension e, ext,
		LATERAL ROWS FROM (pg_catalog.unnest(e.extconfig), pg_catalog.unnest(e.extcondition)) AS x(reloid, cond)
	JOIN pg_catalog.pg_class c ON c.oid = x.reloid
	WHERE e.oid = ext.oid
	UNION ALL
	SELECT format('extension version=%s relocatable=%s schema=%s', e.extversion,
		e.extrelocatable, e.extnamespace::regnamespace)
	FROM pg_catalog.pg_extension e, ext WHERE e.oid = ext.oid
) lines
ORDER BY line COLLATE "C";
