-- time_call.sql: bench.time_call(), timing one statement inside the server,
-- shared by the partition-maintenance benchmarks (\ir from their set-up).

-- One row per timed call; "result" is what the call returned (the number
-- of chunks created, for lakets; run_maintenance() returns void).
CREATE TABLE bench.timings (
	test	text NOT NULL,
	system	text NOT NULL,
	rep		integer NOT NULL,
	ms		double precision NOT NULL,
	result	text
);

-- Time one statement inside the server, so both systems are measured the
-- same way and the client round trip is left out. Called as a statement of
-- its own, it runs in a transaction of its own, as a scheduled call would.
CREATE FUNCTION bench.time_call(p_test text, p_system text, p_rep integer, p_sql text)
RETURNS double precision
LANGUAGE plpgsql
AS $$
DECLARE
	t0		timestamptz;
	elapsed	double precision;
	res		text;
BEGIN
	t0 := clock_timestamp();
	EXECUTE p_sql INTO res;
	elapsed := extract(epoch FROM clock_timestamp() - t0) * 1000;
	INSERT INTO bench.timings VALUES (p_test, p_system, p_rep, elapsed, res);
	RETURN elapsed;
END
$$;
