-- lakets--0.2--0.1.sql: there is no way back from 0.2 to 0.1.
--
-- Without this file PostgreSQL would answer ALTER EXTENSION lakets UPDATE
-- TO '0.1' with 'extension "lakets" has no update path from version "0.2"
-- to version "0.1"', which does not say that this is by design nor what to
-- do instead. docs/upgrading.md.

\echo Use "ALTER EXTENSION lakets UPDATE TO '0.1'" to load this file. \quit

DO $$
BEGIN
	RAISE EXCEPTION 'lakets 0.2 cannot be downgraded to 0.1'
		USING ERRCODE = 'feature_not_supported',
			  DETAIL = 'lakets 0.1 tracked tables by name, 0.2 tracks them by OID; 0.2''s registry cannot be turned back.',
			  HINT = 'To run 0.1 again, dump your tables'' data, DROP EXTENSION lakets, install the lakets 0.1 package and create the extension again. Nothing was changed.';
END
$$;
