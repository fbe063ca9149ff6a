#!/usr/bin/python3
"""Randomized DDL chaos test of lakets (issue 9, section 2).

For each seed, a fresh database gets a few hundred random steps (fixed
seeds, so a run is reproducible on the same UTC day: random times are drawn
around its midnight, and lakets keeps chunks around now()) mixing lakets
calls with DDL done behind lakets' back:

- lakets: create_chronotable on fresh tables (timestamptz, timestamp and date
  time columns), create_rollup (also a RollUp on a RollUp), inserts, updates
  and deletes at random times (far past and far future included),
  ensure_partitions, _ensure_partitions, run_maintenance(), CALL
  lakets.maintain(), drop_chunks, add_retention_policy + execute_retention,
  refresh_rollup_cascade, drop_rollup, drop_chronotable, set_chunk_interval;
- outside DDL: ALTER TABLE RENAME of ChronoTables, RollUp sources, RollUp
  tables and chunks, ALTER SCHEMA RENAME, DROP TABLE with and without
  CASCADE (ChronoTables, RollUp tables, chunks), DETACH PARTITION of a chunk
  (the test keeps it, sometimes renamed), DROP SCHEMA CASCADE, re-creating a
  table with the name of a dropped ChronoTable or of a former chunk (a
  "sentinel", or a new ChronoTable), and now and then a pg_dump of the whole database restored
  into a fresh one, where the test goes on.

A lakets call may fail with a clean error (a dropped table...). Failures:
an internal error (SQLSTATE class XX) or a lost connection anywhere, and
these invariants, checked after each maintenance run and at the end:
 1. run_maintenance() never raises and writes a lakets.job_history row;
    CALL lakets.maintain() never raises;
 2. no relation the test created itself (sentinels, detached chunks it keeps,
    tables it did not hand to lakets) is ever dropped by lakets: after every
    lakets call, all of them still exist (tracked by OID);
 3. the registry agrees with pg_inherits: every partition of a listed
    ChronoTable is its default partition or a chunk listed as live, and every
    chunk listed as live is a partition of it (registry_violations() reads
    either registry shape: names, or relation OIDs);
 4. every RollUp equals its query run from scratch (EXCEPT ALL both ways),
    over the source's current name, except buckets that overlap chunks
    dropped by lakets or dropped or detached by the test.

Every statement goes to a trace file; the closing line is
"ddl_chaos: N passed, N failed". Exits 1 iff a check failed.

Environment: the PG* variables of the cluster, LAKETS_PGBIN (pg_dump),
LAKETS_CHAOS_DB (database name prefix), LAKETS_CHAOS_SEED (one seed or a
comma-separated list), LAKETS_CHAOS_STEPS (steps per seed),
LAKETS_CHAOS_TRACE (trace file), LAKETS_CHAOS_DUMP (dump file).
"""
import os
import random
import subprocess
import sys
import time

import psycopg

DEFAULT_SEEDS = [20261129, 7, 424242]
DEFAULT_STEPS = 200
TIME_TYPES = {
    "timestamptz": ("'%Y-%m-%d %H:%M:%S+00'", ["1 day", "3 days", "7 days"], "1 hour", "1 day"),
    "timestamp": ("'%Y-%m-%d %H:%M:%S'", ["1 day", "2 days"], "1 hour", "1 day"),
    "date": ("'%Y-%m-%d'", ["7 days", "10 days"], "1 day", "7 days"),
}
LAKETS_TIMEOUT = "30s"


class Trace:
    """Every statement, replayable with psql."""

    def __init__(self, path):
        self.f = open(path, "w")

    def sql(self, text):
        self.f.write(text.rstrip().rstrip(";") + ";\n")

    def comment(self, text):
        self.f.write("-- %s\n" % text)
        self.f.flush()


class Rollup:
    """A RollUp the test created: its table, what it reads, its query."""

    def __init__(self, name, table_oid, source_oid, template, cascade):
        self.name = name
        self.table_oid = table_oid
        self.source_oid = source_oid     # a ChronoTable, or the RollUp table read
        self.template = template         # the query, "{src}" for the source's name
        self.cascade = cascade


class Chaos:
    def __init__(self, seed, steps, dbprefix, trace, dumpfile):
        self.seed = seed
        self.steps = steps
        self.rng = random.Random(seed)
        self.trace = trace
        self.dumpfile = dumpfile
        self.dbprefix = dbprefix
        self.generation = 0
        self.db = "%s_%d_0" % (dbprefix, seed)
        self.conn = None
        self.passed = 0
        self.failed = 0
        self.step = 0
        self.counter = 0
        self.chronos = {}       # oid -> {"id", "type", "gone": [(start, end)]}
        self.rollups = {}       # name -> Rollup
        self.ours = set()       # oids of relations lakets must never drop
        self.labels = {}        # oid -> what it is, for messages
        self.names_seen = set()  # (schema, name) of dropped ChronoTables and chunks
        self.printed = set()
        self.now = None

    # ---------------------------------------------------------- plumbing

    def check(self, ok, what, detail=None, once=False):
        """Count a check and print its failure; once: print only the detail
        lines not printed before (a failure that persists is not repeated)."""
        if ok:
            self.passed += 1
            return True
        self.failed += 1
        print("FAIL (seed %d, step %d): %s" % (self.seed, self.step, what))
        detail = [str(d) for d in (detail or [])]
        if once:
            detail = [d for d in detail if d not in self.printed]
            self.printed.update(detail)
        for line in detail[:10]:
            print("    %s" % line)
        sys.stdout.flush()
        return False

    def connect(self):
        self.conn = psycopg.connect(dbname=self.db, autocommit=True)
        self.trace.sql("\\connect %s" % self.db)
        for s in ("SET TimeZone = 'UTC'", "SET client_min_messages = warning",
                  "SET statement_timeout = '60s'", "SET lakets.lock_timeout = '%s'" % LAKETS_TIMEOUT):
            self.run(s)

    def run(self, sql, params=None):
        """Run one statement of the test itself; errors propagate."""
        self.trace.sql(sql if params is None else "%s -- %r" % (sql, params))
        cur = self.conn.execute(sql, params)
        return cur.fetchall() if cur.description else []

    def scalar(self, sql, params=None):
        rows = self.run(sql, params)
        return rows[0][0] if rows else None

    def attempt(self, sql, what):
        """Run a statement that may fail cleanly. Returns (ok, rows or error).
        An internal error (XX) or a lost connection is a failure."""
        try:
            return True, self.run(sql)
        except psycopg.Error as e:
            state = getattr(e, "sqlstate", None)
            msg = str(e).strip().split("\n")[0]
            self.trace.comment("ERROR %s: %s" % (state, msg))
            if self.conn.closed or self.conn.broken:
                self.check(False, "%s: lost the connection: %s" % (what, msg))
                self.connect()
            elif state and state.startswith("XX"):
                self.check(False, "%s: internal error %s: %s" % (what, state, msg), [sql])
            return False, e

    def lakets(self, sql):
        """A lakets call: may fail cleanly, must not drop what the test owns."""
        result = self.attempt(sql, "lakets call")
        self.check_ours("after " + sql)
        return result

    def ddl(self, sql):
        """Outside DDL: what it drops of the test's own relations is the test's doing."""
        result = self.attempt(sql, "outside DDL")
        self.forget_vanished()
        return result

    def existing(self, oids):
        if not oids:
            return set()
        return {r[0] for r in self.run("SELECT oid::int8 FROM pg_class WHERE oid = ANY(%s)",
                                       [list(oids)])}

    def oid_of(self, name):
        """The OID of a relation by its (qualified) name, or None."""
        return self.scalar("SELECT to_regclass(%s)::int8" % self.lit(name))

    def qname(self, oid):
        """The current schema-qualified name of a relation, or None."""
        return self.scalar("SELECT oid::regclass::text FROM pg_class WHERE oid = %s", [oid])

    def split_name(self, oid):
        rows = self.run("SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n "
                        "ON n.oid = c.relnamespace WHERE c.oid = %s", [oid])
        return rows[0] if rows else None

    def lit(self, text):
        return "'" + text.replace("'", "''") + "'"

    def fresh(self, prefix):
        self.counter += 1
        return "%s%d" % (prefix, self.counter)

    def keep(self, oid, what):
        """A relation of the test's own: lakets must never drop it."""
        self.ours.add(oid)
        self.labels[oid] = "%s %s" % (what, self.qname(oid))

    def forget_vanished(self):
        self.ours &= self.existing(self.ours)

    def check_ours(self, what):
        gone = self.ours - self.existing(self.ours)
        self.check(not gone, "lakets dropped %d relation(s) the test created itself, %s"
                   % (len(gone), what), [self.labels.get(o, "oid %d" % o) for o in sorted(gone)])
        self.ours -= gone

    # ---------------------------------------------------------- picking

    def schemas(self):
        return [r[0] for r in self.run("SELECT nspname FROM pg_namespace WHERE nspname ~ '^s[0-9]' "
                                       "ORDER BY 1")]

    def live_chronos(self):
        live = self.existing(self.chronos)
        return sorted(o for o in self.chronos if o in live)

    def chunks_of(self, oid):
        """The partitions of a table but its default partition."""
        return [r[0] for r in self.run(
            "SELECT i.inhrelid::int8 FROM pg_inherits i JOIN pg_partitioned_table p "
            "ON p.partrelid = i.inhparent WHERE i.inhparent = %s "
            "AND i.inhrelid <> p.partdefid ORDER BY 1", [oid])]

    def pick(self, items):
        return self.rng.choice(items) if items else None

    def random_time(self):
        r = self.rng.random()
        if r < 0.75:
            secs = self.rng.randint(-40 * 86400, 10 * 86400)
        elif r < 0.9:
            secs = self.rng.randint(-30 * 365 * 86400, -400 * 86400)
        else:
            secs = self.rng.randint(400 * 86400, 80 * 365 * 86400)
        return self.now + secs

    def time_literal(self, ttype, epoch):
        return time.strftime(TIME_TYPES[ttype][0], time.gmtime(epoch))

    def api_name(self, oid):
        """The quoted name and schema of a table, as the lakets API takes them."""
        schema, name = self.split_name(oid)
        return self.lit(name), self.lit(schema)

    # ---------------------------------------------------------- lakets steps

    def op_create_chronotable(self):
        schema = self.pick(self.schemas())
        ttype = self.pick(sorted(TIME_TYPES))
        name = self.fresh("t")
        q = '"%s"."%s"' % (schema, name)
        if not self.ddl("CREATE TABLE %s (t %s NOT NULL, v int NOT NULL)" % (q, ttype))[0]:
            return
        self.insert_rows(q, ttype, self.rng.randint(0, 20))
        oid = self.oid_of(q)
        if self.rng.random() < 0.15:
            self.keep(oid, "plain table")   # not handed to lakets
            return
        interval = self.pick(TIME_TYPES[ttype][1])
        ok, rows = self.lakets("SELECT lakets.create_chronotable(%s, 't', %s, %s)"
                               % (self.lit(name), self.lit(interval), self.lit(schema)))
        if ok:
            oid = self.oid_of(q)
            self.chronos[oid] = {"id": rows[0][0], "type": ttype, "gone": []}

    def op_recreate_chronotable(self):
        """A new ChronoTable with the name of one dropped behind lakets' back."""
        gone = [o for o in self.chronos if "last_name" in self.chronos[o]
                and o not in self.existing([o])]
        oid = self.pick(sorted(gone))
        if oid is None:
            return
        schema, name = self.chronos[oid]["last_name"]
        ttype = self.chronos[oid]["type"]
        q = '"%s"."%s"' % (schema, name)
        if not self.ddl("CREATE TABLE %s (t %s NOT NULL, v int NOT NULL)" % (q, ttype))[0]:
            return
        self.insert_rows(q, ttype, self.rng.randint(0, 20))
        ok, rows = self.lakets("SELECT lakets.create_chronotable(%s, 't', %s, %s)" % (
            self.lit(name), self.lit(self.pick(TIME_TYPES[ttype][1])), self.lit(schema)))
        if ok:
            new = self.oid_of(q)
            self.chronos[new] = {"id": rows[0][0], "type": ttype, "gone": []}
        else:
            self.keep(self.oid_of(q), "refused table")

    def insert_rows(self, qname, ttype, n):
        if n == 0:
            return
        values = ", ".join("(%s, %d)" % (self.time_literal(ttype, self.random_time()),
                                         self.rng.randint(-5, 100)) for _ in range(n))
        self.attempt("INSERT INTO %s (t, v) VALUES %s" % (qname, values), "insert")

    def op_insert(self):
        oid = self.pick(self.live_chronos())
        if oid:
            self.insert_rows(self.qname(oid), self.chronos[oid]["type"], self.rng.randint(1, 30))

    def op_update_delete(self):
        oid = self.pick(self.live_chronos())
        if oid is None:
            return
        q = self.qname(oid)
        k = self.rng.randint(2, 7)
        if self.rng.random() < 0.5:
            self.attempt("UPDATE %s SET v = v + 1 WHERE v %% %d = 0" % (q, k), "update")
        else:
            self.attempt("DELETE FROM %s WHERE v %% %d = 1" % (q, k), "delete")

    def op_create_rollup(self):
        name = self.fresh("r")
        bases = [r for r in self.rollups.values() if not r.cascade]
        if bases and self.rng.random() < 0.3:
            base = self.pick(bases)
            if not self.existing([base.table_oid]):
                return
            ttype = self.rollup_type(base)
            width = TIME_TYPES[ttype][3]
            template = ("SELECT lakets.time_bucket('%s', bucket) AS bucket, sum(n) AS n, "
                        "sum(s) AS s FROM {src} GROUP BY 1" % width)
            src_oid, depends = base.table_oid, "ARRAY[%s]" % self.lit(base.name)
        else:
            src_oid = self.pick(self.live_chronos())
            if src_oid is None:
                return
            ttype = self.chronos[src_oid]["type"]
            width = TIME_TYPES[ttype][2]
            template = ("SELECT lakets.time_bucket('%s', t) AS bucket, count(*) AS n, "
                        "sum(v) AS s FROM {src} GROUP BY 1" % width)
            depends = "'{}'"
        schema, table = self.split_name(src_oid)
        ok, _ = self.lakets("SELECT lakets.create_rollup(%s, %s, %s, %s, %s, %s)" % (
            self.lit(name), self.lit(template.format(src=self.qname(src_oid))), self.lit(width),
            self.lit(table), self.lit(schema), depends))
        if ok:
            table_oid = self.oid_of('"%s"."_rollup_%s"' % (schema, name))
            self.rollups[name] = Rollup(name, table_oid, src_oid, template, src_oid not in self.chronos)

    def rollup_type(self, r):
        while r.cascade:
            r = next((x for x in self.rollups.values() if x.table_oid == r.source_oid), None)
            if r is None:
                return "timestamptz"
        return self.chronos.get(r.source_oid, {"type": "timestamptz"})["type"]

    def op_ensure(self):
        k = self.rng.random()
        oid = self.pick(self.live_chronos())
        if k < 0.4 or oid is None:
            self.lakets("SELECT lakets.ensure_partitions()")
        elif k < 0.7:
            self.lakets("SELECT lakets.ensure_partitions(%s, %s)" % self.api_name(oid))
        else:
            start = self.random_time()
            self.lakets("SELECT lakets._ensure_partitions(%d, 0, 0, %s, %s)" % (
                self.chronos[oid]["id"], self.time_literal("timestamptz", start),
                self.time_literal("timestamptz", start + self.rng.randint(1, 20) * 86400)))

    def op_maintenance(self):
        before = self.scalar("SELECT coalesce(max(id), 0) FROM lakets.job_history")
        ok, res = self.attempt("SELECT * FROM lakets.run_maintenance()", "run_maintenance()")
        self.check_ours("after run_maintenance()")
        self.check(ok, "run_maintenance() does not raise", [str(res).split("\n")[0]],
                   once=True)
        after = self.scalar("SELECT coalesce(max(id), 0) FROM lakets.job_history")
        self.check(after > before, "run_maintenance() writes a lakets.job_history row")
        if ok:
            errors = [r for r in res if r[2] == "error"]
            if errors:
                self.trace.comment("run_maintenance() error rows: %r" % errors)
        self.check_invariants("after run_maintenance()")

    def op_maintain(self):
        ok, res = self.attempt("CALL lakets.maintain()", "CALL lakets.maintain()")
        self.check_ours("after CALL lakets.maintain()")
        self.check(ok, "CALL lakets.maintain() does not raise", [str(res).split("\n")[0]],
                   once=True)
        self.check_invariants("after CALL lakets.maintain()")

    def op_drop_chunks(self):
        oid = self.pick(self.live_chronos())
        if oid:
            for c in self.chunks_of(oid):
                self.remember_name(c)
            name, schema = self.api_name(oid)
            # mostly an age that some chunk of the registry has reached
            ends = self.run("SELECT floor(extract(epoch FROM now() - range_end) / 86400)::int "
                            "FROM lakets._chunk_metadata WHERE chronotable_id = %s "
                            "AND range_end < now() - interval '1 day' ORDER BY 1", [self.chronos[oid]["id"]])
            days = self.pick([e[0] for e in ends]) or self.rng.randint(1, 400)
            self.lakets("SELECT lakets.drop_chunks(%s, '%d days', %s)" % (name, days, schema))

    def op_retention(self):
        oid = self.pick(self.live_chronos())
        if oid is None:
            return
        for c in self.chunks_of(oid):
            self.remember_name(c)
        name, schema = self.api_name(oid)
        if self.rng.random() < 0.6:
            # now and then an extreme one: it must work or be refused, never break the rest
            after = "10000 years" if self.rng.random() < 0.15 else "%d days" % self.rng.randint(5, 3000)
            self.lakets("SELECT lakets.add_retention_policy(%s, %s, %s)"
                        % (name, self.lit(after), schema))
        if self.rng.random() < 0.5:
            self.lakets("SELECT lakets.execute_retention(%s, %s)" % (name, schema))
        else:
            self.lakets("SELECT lakets.execute_retention()")

    def op_refresh(self):
        name = self.pick(sorted(self.rollups))
        if name and self.rng.random() < 0.3:
            self.lakets("SELECT lakets.refresh_rollup(%s)" % self.lit(name))
        else:
            self.lakets("SELECT * FROM lakets.refresh_rollup_cascade()")

    def op_drop_rollup(self):
        name = self.pick(sorted(self.rollups))
        if name and self.lakets("SELECT lakets.drop_rollup(%s)" % self.lit(name))[0]:
            del self.rollups[name]

    def op_drop_chronotable(self):
        oid = self.pick(list(self.chronos))
        if oid is None:
            return
        if oid in self.existing([oid]):
            name, schema = self.api_name(oid)
        elif "last_name" in self.chronos[oid]:
            # dropped behind lakets' back: by its last name (maybe a sentinel's now)
            schema, name = map(self.lit, self.chronos[oid]["last_name"])
        else:
            return
        if self.lakets("SELECT lakets.drop_chronotable(%s, %s)" % (name, schema))[0] \
                and oid in self.chronos:
            self.remember_name(oid)
            del self.chronos[oid]

    def op_set_chunk_interval(self):
        oid = self.pick(self.live_chronos())
        if oid:
            name, schema = self.api_name(oid)
            interval = self.pick(TIME_TYPES[self.chronos[oid]["type"]][1])
            self.lakets("SELECT lakets.set_chunk_interval(%s, %s, %s)"
                        % (name, self.lit(interval), schema))

    # ---------------------------------------------------------- outside DDL

    def remember_name(self, oid):
        n = self.split_name(oid)
        if n:
            self.names_seen.add(tuple(n))
            if oid in self.chronos:
                self.chronos[oid]["last_name"] = tuple(n)

    def some_relation(self):
        """A ChronoTable, RollUp table or chunk that exists, with its kind."""
        kinds = []
        chronos = self.live_chronos()
        if chronos:
            kinds.append("chronotable")
            kinds.append("chunk")
        tables = sorted(self.existing([r.table_oid for r in self.rollups.values()]))
        if tables:
            kinds.append("rollup table")
        kind = self.pick(kinds)
        if kind == "chronotable":
            return kind, self.pick(chronos)
        if kind == "rollup table":
            return kind, self.pick(tables)
        if kind == "chunk":
            return kind, self.pick(self.chunks_of(self.pick(chronos)))
        return None, None

    def op_rename_table(self):
        kind, oid = self.some_relation()
        if oid:
            self.remember_name(oid)
            self.ddl("ALTER TABLE %s RENAME TO %s" % (self.qname(oid), self.fresh("ren")))

    def op_rename_schema(self):
        schema = self.pick(self.schemas())
        if schema:
            self.ddl('ALTER SCHEMA "%s" RENAME TO "%s"' % (schema, self.fresh("s")))
            self.ddl('CREATE SCHEMA IF NOT EXISTS "%s"' % schema)

    def op_drop_table(self):
        kind, oid = self.some_relation()
        if oid is None:
            return
        if kind == "chunk":
            self.record_gone(oid)
        for c in (self.chunks_of(oid) if kind == "chronotable" else []):
            self.remember_name(c)
        self.remember_name(oid)
        self.ddl("DROP TABLE %s%s" % (self.qname(oid), self.pick(["", " CASCADE"])))

    def record_gone(self, chunk_oid):
        """The range of a chunk the test takes away behind lakets' back."""
        rows = self.run(
            "SELECT i.inhparent::int8, m[1]::timestamptz::text, m[2]::timestamptz::text "
            "FROM pg_inherits i, "
            "regexp_match(pg_get_expr((SELECT relpartbound FROM pg_class WHERE oid = i.inhrelid), "
            "i.inhrelid), $$FROM \\('([^']*)'\\) TO \\('([^']*)'\\)$$) m WHERE i.inhrelid = %s",
            [chunk_oid])
        for parent, start, end in rows:
            if parent in self.chronos:
                self.chronos[parent]["gone"].append((start, end))

    def op_detach_chunk(self):
        oid = self.pick(self.live_chronos())
        chunk = self.pick(self.chunks_of(oid)) if oid else None
        if chunk is None:
            return
        self.record_gone(chunk)
        self.remember_name(chunk)
        if self.ddl("ALTER TABLE %s DETACH PARTITION %s" % (self.qname(oid), self.qname(chunk)))[0]:
            self.keep(chunk, "detached chunk")
            if self.rng.random() < 0.5:
                self.ddl("ALTER TABLE %s RENAME TO %s" % (self.qname(chunk), self.fresh("kept")))

    def op_drop_schema(self):
        schema = self.pick(self.schemas())
        if schema:
            for oid in self.live_chronos():
                if self.split_name(oid)[0] == schema:
                    self.remember_name(oid)
                    for c in self.chunks_of(oid):
                        self.remember_name(c)
            self.ddl('DROP SCHEMA "%s" CASCADE' % schema)
            self.ddl('CREATE SCHEMA "%s"' % schema)

    def op_sentinel(self):
        """A new table with the name of a dropped ChronoTable or a former chunk."""
        names = sorted(self.names_seen)
        chrono_names = sorted(c["last_name"] for o, c in self.chronos.items()
                              if "last_name" in c)
        if chrono_names and self.rng.random() < 0.5:
            names = chrono_names
        free = [n for n in names
                if self.oid_of('"%s"."%s"' % n) is None
                and self.scalar("SELECT count(*) FROM pg_namespace WHERE nspname = %s"
                                % self.lit(n[0]))]
        name = self.pick(free)
        if name and self.ddl('CREATE TABLE "%s"."%s" (id int, note text)' % name)[0]:
            self.keep(self.oid_of('"%s"."%s"' % name), "sentinel")

    def op_dump_restore(self):
        """pg_dump the database, restore it into a fresh one and go on there."""
        names = {}
        for oid in set(self.chronos) | self.ours | {r.table_oid for r in self.rollups.values()} \
                | {r.source_oid for r in self.rollups.values()}:
            n = self.qname(oid)
            if n:
                names[oid] = n
        self.generation += 1
        new = "%s_%d_%d" % (self.dbprefix, self.seed, self.generation)
        self.trace.comment("pg_dump %s, restored into %s" % (self.db, new))
        pgbin = os.environ.get("LAKETS_PGBIN", "")
        dump = subprocess.run([os.path.join(pgbin, "pg_dump"), "-d", self.db, "-f", self.dumpfile],
                              capture_output=True, text=True)
        if not self.check(dump.returncode == 0, "pg_dump succeeds", dump.stderr.splitlines()):
            return
        self.run('DROP DATABASE IF EXISTS "%s"' % new)
        self.run('CREATE DATABASE "%s"' % new)
        restore = subprocess.run(["psql", "-X", "-q", "-d", new, "-f", self.dumpfile],
                                 capture_output=True, text=True)
        errors = [line for line in restore.stderr.splitlines() if "ERROR" in line]
        self.check(not errors, "the dump restores without errors", errors, once=True)
        old = self.db
        self.conn.close()
        self.db = new
        self.connect()
        self.run('DROP DATABASE "%s"' % old)
        remap = {}
        for oid, n in names.items():
            remap[oid] = self.oid_of(n)
        self.chronos = {remap[o]: c for o, c in self.chronos.items() if remap.get(o)}
        self.ours = {remap[o] for o in self.ours if remap.get(o)}
        self.labels = {remap[o]: x for o, x in self.labels.items() if remap.get(o)}
        for r in self.rollups.values():
            r.table_oid = remap.get(r.table_oid) or 0
            r.source_oid = remap.get(r.source_oid) or 0
        self.check_ours("after pg_dump and restore")
        self.op_maintenance()       # maintenance goes on there

    # ---------------------------------------------------------- invariants

    def check_invariants(self, when):
        self.check_ours(when)
        bad = self.registry_violations()
        self.check(not bad, "%s: the registry agrees with pg_inherits" % when, bad, once=True)
        for r in sorted(self.rollups.values(), key=lambda r: r.name):
            self.compare_rollup(r, when)

    def registry_violations(self):
        """Where lakets' registry and pg_inherits disagree. Reads both shapes
        of the registry: relations named (schema_name, table_name) and
        (chunk_schema, chunk_name), or kept as OIDs (relid, chunk_relid)."""
        cols = {r[0] for r in self.run(
            "SELECT table_name || '.' || column_name FROM information_schema.columns "
            "WHERE table_schema = 'lakets'")}
        if "_chronotable_registry.relid" in cols:
            parent, label = "r.relid::oid", "r.relid::text"
        else:
            parent = "to_regclass(format('%I.%I', r.schema_name, r.table_name))::oid"
            label = "format('%I.%I', r.schema_name, r.table_name)"
        if "_chunk_metadata.chunk_relid" in cols:
            chunk = "m.chunk_relid::oid"
        else:
            chunk = "to_regclass(format('%I.%I', m.chunk_schema, m.chunk_name))::oid"
        return [r[0] for r in self.run(
            "WITH ct AS (SELECT r.id, " + parent + " AS parent, " + label + " AS label "
            "  FROM lakets._chronotable_registry r), "
            "live AS (SELECT m.chronotable_id, m.chunk_name::text AS name, " + chunk + " AS chunk "
            "  FROM lakets._chunk_metadata m WHERE m.status NOT IN ('dropped', 'detached')) "
            "SELECT format('ChronoTable %s (%s): chunk %s is listed as live but is not a "
            "partition of it', ct.id, ct.label, live.name) "
            "FROM live JOIN ct ON ct.id = live.chronotable_id "
            "WHERE NOT EXISTS (SELECT FROM pg_inherits i WHERE i.inhrelid = live.chunk "
            "  AND i.inhparent = ct.parent) "
            "UNION ALL "
            "SELECT format('ChronoTable %s (%s): partition %s is not listed as a live chunk', "
            "ct.id, ct.label, i.inhrelid::regclass) "
            "FROM ct JOIN pg_inherits i ON i.inhparent = ct.parent "
            "JOIN pg_partitioned_table p ON p.partrelid = ct.parent "
            "WHERE i.inhrelid <> p.partdefid AND NOT EXISTS (SELECT FROM live "
            "  WHERE live.chronotable_id = ct.id AND live.chunk = i.inhrelid) "
            "ORDER BY 1")]

    def gone_ranges(self, r):
        """Ranges whose buckets a RollUp may keep from before: chunks dropped
        by lakets (the registry's tombstones) or taken away by the test."""
        if r.cascade or r.source_oid not in self.chronos:
            return []
        c = self.chronos[r.source_oid]
        rows = self.run("SELECT range_start::text, range_end::text FROM lakets._chunk_metadata "
                        "WHERE chronotable_id = %s AND status IN ('dropped', 'detached')",
                        [c["id"]])
        # rows retention deleted from the default partition: [-infinity, expired_before)
        rows += self.run("SELECT '-infinity', expired_before::text FROM lakets._chronotable_registry "
                         "WHERE id = %s AND expired_before IS NOT NULL", [c["id"]])
        return rows + c["gone"]

    def compare_rollup(self, r, when):
        live = self.existing([r.table_oid, r.source_oid])
        if len(live) < 2:
            return          # its table or its source is gone: nothing to compare
        table, src = self.qname(r.table_oid), self.qname(r.source_oid)
        gone = self.gone_ranges(r)
        keep = "true"
        if gone:
            keep = ("NOT tstzrange(bucket::timestamptz, bucket::timestamptz + %s) && "
                    "tstzmultirange(%s)" % (
                        self.lit(self.scalar("SELECT bucket_interval::text FROM "
                                             "lakets._rollup_registry WHERE name = %s", [r.name])
                                 or "1 month"),
                        ", ".join("tstzrange(%s, %s)" % (self.lit(str(a)), self.lit(str(b)))
                                  for a, b in gone)))
        left = "SELECT * FROM %s WHERE %s" % (table, keep)
        right = "SELECT * FROM (%s) q WHERE %s" % (r.template.format(src=src), keep)
        try:
            rows = self.run(
                "WITH l AS MATERIALIZED (%s), r AS MATERIALIZED (%s) "
                "SELECT side, x, count(*) OVER () FROM ("
                "SELECT 'only in the RollUp' AS side, a::text AS x FROM (TABLE l EXCEPT ALL TABLE r) a "
                "UNION ALL SELECT 'only in the query', b::text FROM (TABLE r EXCEPT ALL TABLE l) b) u "
                "ORDER BY 2, 1 LIMIT 6" % (left, right))
        except psycopg.Error as e:
            self.check(False, "%s: comparing RollUp %s fails: %s" % (when, r.name, e))
            return
        n = rows[0][2] if rows else 0
        self.check(n == 0, "%s: RollUp %s (%s) equals its query from scratch over %s (%d rows "
                   "differ)" % (when, r.name, table, src, n),
                   ["%s: %s %s" % (r.name, x[0], x[1]) for x in rows], once=True)

    # ---------------------------------------------------------- the run

    OPS = [  # (weight, method)
        (10, "op_create_chronotable"), (14, "op_insert"), (4, "op_update_delete"),
        (7, "op_create_rollup"), (5, "op_ensure"), (7, "op_maintenance"), (3, "op_maintain"),
        (3, "op_drop_chunks"), (3, "op_retention"), (4, "op_refresh"), (2, "op_drop_rollup"),
        (2, "op_drop_chronotable"), (2, "op_set_chunk_interval"), (5, "op_rename_table"),
        (2, "op_rename_schema"), (4, "op_drop_table"), (4, "op_detach_chunk"),
        (1, "op_drop_schema"), (3, "op_sentinel"), (2, "op_recreate_chronotable"),
        (1, "op_dump_restore"),
    ]

    def setup(self):
        with psycopg.connect(dbname="postgres", autocommit=True) as c:
            c.execute('DROP DATABASE IF EXISTS "%s"' % self.db)
            c.execute('CREATE DATABASE "%s"' % self.db)
        self.trace.comment("seed %d: CREATE DATABASE %s" % (self.seed, self.db))
        self.connect()
        self.run("CREATE EXTENSION lakets")
        self.run("CREATE SCHEMA s1")
        self.run("CREATE SCHEMA s2")
        # times are drawn around midnight UTC of the run's day, not around
        # now(): drawn around now() a run minutes later put some rows in
        # other chunks and took another path with the same seed
        self.now = int(self.scalar("SELECT extract(epoch FROM now())::int8")) // 86400 * 86400

    def run_steps(self):
        weights = [w for w, _ in self.OPS]
        names = [n for _, n in self.OPS]
        for self.step in range(1, self.steps + 1):
            op = self.rng.choices(names, weights)[0]
            if self.step == self.steps // 2:
                op = "op_dump_restore"
            self.trace.comment("seed %d step %d: %s" % (self.seed, self.step, op))
            try:
                getattr(self, op)()
            except psycopg.Error as e:     # a statement of the test itself
                self.attempt_recover(op, e)
        self.step += 1
        self.trace.comment("seed %d: the end" % self.seed)
        self.op_maintenance()

    def attempt_recover(self, op, e):
        state = getattr(e, "sqlstate", None)
        if self.conn.closed or self.conn.broken:
            self.check(False, "%s: lost the connection: %s" % (op, e))
            self.connect()
        elif state and state.startswith("XX"):
            self.check(False, "%s: internal error %s: %s" % (op, state, e))
        else:
            self.trace.comment("test statement failed in %s: %s" % (op, e))

    def teardown(self):
        if self.conn is not None:
            self.conn.close()
        with psycopg.connect(dbname="postgres", autocommit=True) as c:
            c.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % self.db)


def main():
    seeds = [int(s) for s in (os.environ.get("LAKETS_CHAOS_SEED") or "").split(",") if s] \
        or DEFAULT_SEEDS
    steps = int(os.environ.get("LAKETS_CHAOS_STEPS") or DEFAULT_STEPS)
    prefix = os.environ.get("LAKETS_CHAOS_DB") or "lakets_chaos"
    trace_path = os.environ.get("LAKETS_CHAOS_TRACE") or "ddl_chaos_trace.sql"
    dumpfile = os.environ.get("LAKETS_CHAOS_DUMP") or "ddl_chaos.dump.sql"
    print("ddl_chaos: seeds %s (LAKETS_CHAOS_SEED), %d steps each (LAKETS_CHAOS_STEPS), trace %s"
          % (",".join(map(str, seeds)), steps, trace_path))
    sys.stdout.flush()
    trace = Trace(trace_path)
    passed = failed = 0
    t0 = time.time()
    for seed in seeds:
        t = Chaos(seed, steps, prefix, trace, dumpfile)
        try:
            t.setup()
            t.run_steps()
        except Exception as e:     # an error of the test or a crash: one failure
            t.failed += 1
            print("FAIL (seed %d, step %d): unexpected error: %s: %s"
                  % (seed, t.step, type(e).__name__, e))
        finally:
            try:
                t.teardown()
            except psycopg.Error as e:
                print("ddl_chaos: could not drop %s: %s" % (t.db, e))
        print("ddl_chaos: seed %d: %d passed, %d failed, %.0fs"
              % (seed, t.passed, t.failed, time.time() - t0))
        sys.stdout.flush()
        passed += t.passed
        failed += t.failed
    if failed:
        print("ddl_chaos: reproduce with LAKETS_CHAOS_SEED=<seed>; every statement is in %s"
              % trace_path)
    print("ddl_chaos: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
