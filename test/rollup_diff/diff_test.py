#!/usr/bin/python3
"""Randomized differential test of RollUps (issue 3).

Three ChronoTables (timestamptz in 1-day chunks, timestamp in 3-day chunks,
date in 10-day chunks) carry sixteen RollUps: widths from 1 minute to 1
month, lakets.time_bucket (with and without origin, and on the local days
and months of a time zone), lakets.first/last, date_bin with an odd
origin, date_trunc(..., 'UTC'), with and without group keys (a NULL group
included), WHERE and HAVING, count/count(DISTINCT)/sum/min/max/avg/bool_and,
and two cascades (raw -> 1 min -> 1 h -> 1 day; raw -> 1 h -> 1 day).

Each round applies a random batch of changes: multi-row INSERTs and COPY at
random times (bucket boundaries, late data far in the past, before 2000, in
the future beyond the chunks, where rows land in the default partition),
UPDATEs of values, group keys and times (moving rows between buckets, chunks
and the default partition), DELETEs, bulk deletes, INSERT ... ON CONFLICT DO
UPDATE, MERGE, DELETE ... RETURNING into INSERT, writes straight into a chunk
or the default partition; in single statements, in multi-statement
transactions, in rolled-back transactions, behind rolled-back savepoints and
in transactions aborted by an error. Sometimes ensure_partitions() drains
the default partition, _ensure_partitions() adds the chunks of a random
range, or invalidate_rollup_range() dirties a random range. Then the RollUps are
refreshed one of several ways (refresh_rollup_cascade(); refresh_rollup()
in random order until it converges; a random subset only; inside a
transaction with more changes before and after; once rolled back first;
while another session holds uncommitted changes, which commit afterwards;
in a REPEATABLE READ transaction while another session commits between two
refreshes). After the refresh every refreshed RollUp table must equal its
query run from scratch (EXCEPT ALL both ways), each cascade level must also
equal the same aggregation of the raw rows, and every real-time view must
equal the query too. Sometimes the round then changes rows only at or after
the watermarks and checks the real-time views again before any refresh.

Sessions run in random time zones, so that nothing may depend on TimeZone.

After the rounds come scenarios a random mix would rarely hit, or would hit
only now and then: a refresh inside a savepoint that is rolled back; a
refresh while ANALYZE holds the RollUp table (autovacuum does the same at
random, so it is off for the RollUp tables during the rounds);
_ensure_partitions() over rows waiting in the default partition; TRUNCATE
of one chunk; a RollUp created under another DateStyle; dropped chunks
(their buckets must keep their values, the rest must still match); and
TRUNCATE of the tables.

Every statement of every session goes to a trace file (replayable with psql,
session by session), so that a failure can be reproduced and minimized.
A mismatch is reported with the differing rows; the RollUp is then rebuilt
(invalidate everything, refresh), so that later checks stay meaningful.

Prints one line per check that failed, a progress line every few rounds, and
last "rollup_diff: N passed, N failed". Exits 1 iff a check failed.

Environment: the PG* variables of the cluster, LAKETS_DIFF_DB (the database,
which must exist with the extension created), LAKETS_DIFF_SEED,
LAKETS_DIFF_ROUNDS, LAKETS_DIFF_TRACE (trace file path).
"""
import datetime as dt
import os
import random
import sys
import time

import psycopg

UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
SEC = 1_000_000
MIN = 60 * SEC
HOUR = 60 * MIN
DAY = 24 * HOUR
ORIGIN_2000 = int((dt.datetime(2000, 1, 1, tzinfo=UTC) - EPOCH).total_seconds()) * SEC

TIMEZONES = ["UTC", "America/New_York", "Asia/Kathmandu", "Pacific/Chatham",
             "America/St_Johns", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Tokyo"]
KINDS = ["alpha", "beta", "gamma", "delta", None]


# ---------------------------------------------------------------- helpers

def to_dt(us):
    return EPOCH + dt.timedelta(microseconds=us)


def tstz(us):
    return "'%s'::timestamptz" % to_dt(us).isoformat(sep=" ")


def ts(us):
    return "'%s'::timestamp" % to_dt(us).replace(tzinfo=None).isoformat(sep=" ")


def date_lit(us):
    return "'%s'::date" % to_dt(us).date().isoformat()


def floor_to(us, width, origin=ORIGIN_2000):
    return (us - origin) // width * width + origin


def month_start(us):
    d = to_dt(us)
    return int((d.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
                - EPOCH).total_seconds()) * SEC


def sql_int(x):
    return "NULL" if x is None else str(x)


def sql_text(x):
    return "NULL" if x is None else "'%s'" % x


class Trace:
    def __init__(self, path):
        self.f = open(path, "w")

    def write(self, label, sql):
        self.f.write("-- [%s]\n%s;\n" % (label, sql.rstrip().rstrip(";")))

    def comment(self, text):
        self.f.write("\n-- ==== %s\n" % text)
        self.f.flush()

    def close(self):
        self.f.close()


class Session:
    """One connection in autocommit mode; transactions are explicit SQL."""

    def __init__(self, label, dbname, trace, tz):
        self.label = label
        self.trace = trace
        self.conn = psycopg.connect(dbname=dbname, autocommit=True)
        self.notices = []
        self.conn.add_notice_handler(
            lambda d: self.notices.append((d.severity_nonlocalized, d.message_primary)))
        self.run("SET TimeZone = '%s'" % tz)
        self.run("SET client_min_messages = notice")
        self.run("SET work_mem = '64MB'")
        # autovacuum yields to a lock waiter only after deadlock_timeout (1s)
        self.run("SET lakets.lock_timeout = '30s'")

    def run(self, sql):
        self.trace.write(self.label, sql)
        cur = self.conn.execute(sql)
        return cur

    def rows(self, sql):
        return self.run(sql).fetchall()

    def scalar(self, sql):
        return self.run(sql).fetchone()[0]

    def copy(self, table, columns, rows):
        sql = "COPY %s (%s) FROM STDIN" % (table, ", ".join(columns))
        lines = []
        for r in rows:
            lines.append("\t".join("\\N" if v is None else str(v) for v in r))
        self.trace.f.write("-- [%s]\n%s;\n%s\n\\.\n" % (self.label, sql, "\n".join(lines)))
        cur = self.conn.cursor()
        with cur.copy(sql) as cp:
            for r in rows:
                cp.write_row(r)
        return cur

    def warnings(self):
        """The WARNINGs, and the NOTICEs of skipped refreshes, since the last call."""
        w = [n for n in self.notices if n[0] == "WARNING" or "skipped" in n[1]]
        self.notices.clear()
        return w

    def close(self):
        self.conn.close()


# ---------------------------------------------------------------- the schema

class Source:
    def __init__(self, table, time_col, time_type, chunk):
        self.table = table
        self.time_col = time_col
        self.time_type = time_type      # timestamptz | timestamp | date
        self.chunk = chunk

    def lit(self, us):
        return {"timestamptz": tstz, "timestamp": ts, "date": date_lit}[self.time_type](us)

    def copy_value(self, us):
        d = to_dt(us)
        if self.time_type == "timestamptz":
            return d
        if self.time_type == "timestamp":
            return d.replace(tzinfo=None)
        return d.date()


METRICS = Source("metrics", "ts", "timestamptz", "1 day")
EVENTS = Source("events", "t", "timestamp", "3 days")
DAILY = Source("daily", "day", "date", "10 days")
SOURCES = [METRICS, EVENTS, DAILY]


class Rollup:
    def __init__(self, name, source, query, width, parent=None, raw=None):
        self.name = name
        self.source = source        # the ChronoTable its data comes from
        self.query = query
        self.width = width          # SQL interval of one bucket
        self.parent = parent        # the RollUp it reads, for a cascade level
        self.raw = raw              # the same aggregation of the raw rows
        self.table = "_rollup_" + name
        self.view = "_rollup_rt_" + name

    @property
    def level(self):
        return 0 if self.parent is None else self.parent.level + 1


CASCADE_COLS = "sum(n) AS n, sum(nv) AS nv, sum(total) AS total, min(lo) AS lo, " \
               "max(hi) AS hi, sum(wsum) AS wsum"
RAW_COLS = "count(*) AS n, count(v) AS nv, sum(v) AS total, min(v) AS lo, " \
           "max(v) AS hi, sum(w) AS wsum"


def make_rollups():
    m1 = Rollup("m1", METRICS,
                "SELECT lakets.time_bucket('1 minute', ts) AS bucket, device, %s "
                "FROM metrics GROUP BY 1, 2" % RAW_COLS, "1 minute")
    h1 = Rollup("h1", METRICS,
                "SELECT lakets.time_bucket('1 hour', bucket) AS bucket, device, %s "
                "FROM _rollup_m1 GROUP BY 1, 2" % CASCADE_COLS, "1 hour", parent=m1,
                raw="SELECT lakets.time_bucket('1 hour', ts) AS bucket, device, %s "
                    "FROM metrics GROUP BY 1, 2" % RAW_COLS)
    d1 = Rollup("d1", METRICS,
                "SELECT lakets.time_bucket('1 day', bucket) AS bucket, device, %s "
                "FROM _rollup_h1 GROUP BY 1, 2" % CASCADE_COLS, "1 day", parent=h1,
                raw="SELECT lakets.time_bucket('1 day', ts) AS bucket, device, %s "
                    "FROM metrics GROUP BY 1, 2" % RAW_COLS)
    q15 = Rollup("q15", METRICS,
                 "SELECT date_bin('15 minutes', ts, '2000-01-01 00:07:00+00') AS bucket, "
                 "count(*) AS n, count(DISTINCT device) AS devices, avg(v) AS av, "
                 "max(ts) AS last_ts, sum(w) AS wsum FROM metrics GROUP BY 1 "
                 "HAVING count(*) > 1", "15 minutes")
    h30 = Rollup("h30", METRICS,
                 "SELECT lakets.time_bucket('1 hour', ts, '2000-01-01 00:30:00+00'::timestamptz) AS bucket, "
                 "device % 3 AS grp, count(*) AS n, sum(v) AS total, min(w) AS wlo "
                 "FROM metrics WHERE v > 0 GROUP BY 1, 2", "1 hour")
    day = Rollup("day", METRICS,
                 "SELECT lakets.time_bucket('1 day', ts) AS bucket, device, count(*) AS n, "
                 "sum(v) AS total, min(v) AS lo, max(v) AS hi, avg(v) AS av, avg(w) AS aw "
                 "FROM metrics GROUP BY 1, 2", "1 day")
    wk = Rollup("wk", METRICS,
                "SELECT date_trunc('week', ts, 'UTC') AS bucket, count(*) AS n, "
                "sum(v) AS total, bool_and(v >= 0) AS all_pos FROM metrics GROUP BY 1",
                "7 days")
    mon = Rollup("mon", METRICS,
                 "SELECT lakets.time_bucket('1 month', ts) AS bucket, device, count(*) AS n, "
                 "sum(v) AS total, min(v) AS lo, max(v) AS hi, avg(v) AS av "
                 "FROM metrics GROUP BY 1, 2", "1 month")
    monu = Rollup("monu", METRICS,
                  "SELECT date_trunc('month', ts, 'UTC') AS bucket, count(*) AS n, "
                  "sum(w) AS wsum, max(ts) AS last_ts FROM metrics GROUP BY 1", "1 month")
    ev_h = Rollup("ev_h", EVENTS,
                  "SELECT date_trunc('hour', t) AS bucket, kind, count(*) AS n, "
                  "sum(amount) AS total, min(amount) AS lo, max(amount) AS hi "
                  "FROM events GROUP BY 1, 2", "1 hour")
    ev_d = Rollup("ev_d", EVENTS,
                  "SELECT lakets.time_bucket('1 day', bucket) AS bucket, kind, sum(n) AS n, "
                  "sum(total) AS total, min(lo) AS lo, max(hi) AS hi "
                  "FROM _rollup_ev_h GROUP BY 1, 2", "1 day", parent=ev_h,
                  raw="SELECT lakets.time_bucket('1 day', t) AS bucket, kind, count(*) AS n, "
                      "sum(amount) AS total, min(amount) AS lo, max(amount) AS hi "
                      "FROM events GROUP BY 1, 2")
    ev_m = Rollup("ev_m", EVENTS,
                  "SELECT lakets.time_bucket('1 month', t) AS bucket, count(*) AS n, "
                  "sum(amount) AS total, count(kind) AS kinds FROM events GROUP BY 1",
                  "1 month")
    dd_w = Rollup("dd_w", DAILY,
                  "SELECT lakets.time_bucket('7 days', day) AS bucket, site, count(*) AS n, "
                  "sum(qty) AS total FROM daily GROUP BY 1, 2", "7 days")
    dd_m = Rollup("dd_m", DAILY,
                  "SELECT lakets.time_bucket('1 month', day) AS bucket, count(*) AS n, "
                  "sum(qty) AS total, max(qty) AS hi FROM daily GROUP BY 1", "1 month")
    # local days and months of time zones (DST changes, a midnight read twice
    # in Havana), with first/last (ties resolved by value)
    bday = Rollup("bday", METRICS,
                  "SELECT lakets.time_bucket('1 day', ts, 'Europe/Berlin') AS bucket, device, "
                  "count(*) AS n, sum(v) AS total, lakets.first(v, ts) AS opening, "
                  "lakets.last(w, ts) AS closing FROM metrics GROUP BY 1, 2", "1 day")
    hmon = Rollup("hmon", METRICS,
                  "SELECT lakets.time_bucket('1 month', ts, 'America/Havana') AS bucket, "
                  "count(*) AS n, sum(w) AS wsum, lakets.last(device, ts) AS last_device "
                  "FROM metrics GROUP BY 1", "1 month")
    return [m1, h1, d1, q15, h30, day, wk, mon, monu, ev_h, ev_d, ev_m, dd_w, dd_m, bday, hmon]


# ---------------------------------------------------------------- the test

class DiffTest:
    def __init__(self, dbname, seed, rounds, trace_path):
        self.dbname = dbname
        self.seed = seed
        self.rounds = rounds
        self.rng = random.Random(seed)
        self.trace = Trace(trace_path)
        self.passed = 0
        self.failed = 0
        self.statements = 0
        self.rows_changed = 0
        self.rollups = make_rollups()
        self.by_name = {r.name: r for r in self.rollups}
        now = dt.datetime.now(UTC)
        self.base = int((now.replace(hour=0, minute=0, second=0, microsecond=0)
                         - EPOCH).total_seconds()) * SEC
        self.a = self.session("A")
        self.b = self.session("B")
        self.max_id = {}
        self.round = 0

    def session(self, label):
        return Session(label, self.dbname, self.trace, self.rng.choice(TIMEZONES))

    # ---- checks

    def check(self, ok, what, detail=None):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL (round %d): %s" % (self.round, what))
            if detail:
                for line in detail:
                    print("    " + line)
            sys.stdout.flush()
        return ok

    def diff(self, left, right, sess=None):
        """Rows of left not in right and the reverse (EXCEPT ALL)."""
        sess = sess or self.a
        rows = sess.rows(
            "WITH l AS MATERIALIZED (%s), r AS MATERIALIZED (%s) "
            "SELECT side, x, count(*) OVER () FROM ("
            "SELECT 'only in first ' AS side, a::text AS x FROM (TABLE l EXCEPT ALL TABLE r) a "
            "UNION ALL "
            "SELECT 'only in second', b::text FROM (TABLE r EXCEPT ALL TABLE l) b) u "
            "ORDER BY 2, 1 LIMIT 8" % (left, right))
        if not rows:
            return 0, []
        return rows[0][2], ["%s %s" % (r[0], r[1]) for r in rows]

    def compare(self, what, left, right):
        n, detail = self.diff(left, right)
        return self.check(n == 0, "%s (%d rows differ)" % (what, n), detail)

    def compare_rollup(self, r, with_view=True):
        ok = self.compare("%s equals its query" % r.table, "TABLE " + r.table, r.query)
        if r.raw:
            ok &= self.compare("%s equals the aggregation of the raw rows" % r.table,
                               "TABLE " + r.table, r.raw)
        if with_view:
            ok &= self.compare("%s equals the query" % r.view, "TABLE " + r.view, r.query)
        if not ok:
            self.repair(r)
        return ok

    def compare_all(self, what, rollups):
        """One check: every RollUp of the list equals its query (repaired if not)."""
        detail = []
        for r in rollups:
            n, rows = self.diff("TABLE " + r.table, r.query)
            if n:
                detail.append("%s: %d rows differ" % (r.table, n))
                detail.extend("  " + x for x in rows[:4])
                self.repair(r)
        return self.check(not detail, "%s: every RollUp equals its query" % what, detail)

    def repair(self, r):
        """Rebuild a RollUp that went wrong, so that later checks mean something."""
        self.trace.comment("repair " + r.name)
        self.a.run("SELECT lakets.invalidate_rollup_range('%s', '-infinity', 'infinity')" % r.name)
        self.a.rows("SELECT * FROM lakets.refresh_rollup_cascade('%s')" % r.name)
        n, _ = self.diff("TABLE " + r.table, r.query)
        if n:
            print("    (a full recomputation of %s does not match either)" % r.name)

    def refresh_warnings(self, sess, what):
        w = sess.warnings()
        self.check(not w, "%s: no WARNING, nothing skipped" % what, ["%s: %s" % x for x in w])

    # ---- setup

    def random_kind(self):
        return self.rng.choice(KINDS)

    def metrics_row(self, us):
        rng = self.rng
        return (us,
                None if rng.random() < 0.05 else rng.randint(1, 8),
                None if rng.random() < 0.05 else rng.randint(-50, 1000),
                None if rng.random() < 0.05 else rng.randint(-400, 4000) / 4)

    def setup(self):
        t0 = time.time()
        a = self.a
        self.trace.comment("setup (seed %d)" % self.seed)
        a.run("CREATE TABLE metrics (id bigserial, ts timestamptz NOT NULL, device int, "
              "v int, w float8, PRIMARY KEY (id, ts))")
        a.run("CREATE TABLE events (id bigserial, t timestamp NOT NULL, kind text, "
              "amount numeric(12, 2), PRIMARY KEY (id, t))")
        a.run("CREATE TABLE daily (id bigserial, day date NOT NULL, site int, qty int, "
              "PRIMARY KEY (id, day))")
        rows = []
        for _ in range(12000):
            us = self.base - 30 * DAY + self.rng.randrange(31 * DAY)
            rows.append(self.metrics_row(us))
        a.copy("metrics", ["ts", "device", "v", "w"],
               [(to_dt(r[0]),) + r[1:] for r in rows])
        rows = [(to_dt(self.base - 30 * DAY + self.rng.randrange(31 * DAY)).replace(tzinfo=None),
                 self.random_kind(), "%.2f" % (self.rng.randint(-10000, 100000) / 100))
                for _ in range(4000)]
        a.copy("events", ["t", "kind", "amount"], rows)
        rows = [(to_dt(self.base - 30 * DAY + self.rng.randrange(31 * DAY)).date(),
                 self.rng.choice([1, 2, 3, None]), self.rng.randint(0, 500))
                for _ in range(1000)]
        a.copy("daily", ["day", "site", "qty"], rows)
        for s in SOURCES:
            a.run("SELECT lakets.create_chronotable('%s', '%s', '%s')"
                  % (s.table, s.time_col, s.chunk))
        # the first RollUp of a source sets the trigger's granule: vary it
        level0 = [r for r in self.rollups if r.parent is None]
        self.rng.shuffle(level0)
        order = level0 + [r for r in self.rollups if r.parent is not None]
        order.sort(key=lambda r: r.level)
        for r in order:
            a.run("SELECT lakets.create_rollup('%s', $q$%s$q$)" % (r.name, r.query))
            # autovacuum makes a refresh skip at random (see scenario_analyze_lock)
            a.run("ALTER TABLE %s SET (autovacuum_enabled = off)" % r.table)
        a.warnings()
        for r in self.rollups:
            self.compare_rollup(r)
        print("rollup_diff: setup %.1fs (%d rollups; creation order %s)"
              % (time.time() - t0, len(self.rollups), " ".join(r.name for r in order)))

    # ---- random times and values

    def pick_time(self, source):
        rng, base = self.rng, self.base
        r = rng.random()
        if r < 0.70:
            us = base - 30 * DAY + rng.randrange(31 * DAY)
        elif r < 0.80:
            us = base + DAY + rng.randrange(3 * DAY)                 # chunks ahead
        elif r < 0.88:
            us = base + 5 * DAY + rng.randrange(25 * DAY)            # default partition
        elif r < 0.96:
            us = base - 60 * DAY + rng.randrange(30 * DAY)           # late data
        else:
            us = rng.choice([ORIGIN_2000 - 1, ORIGIN_2000, ORIGIN_2000 - 20 * DAY - 7 * MIN,
                             base - 3 * 365 * DAY + rng.randrange(DAY)])
        if rng.random() < 0.3:
            us = self.snap(us)
        if source.time_type == "date":
            us = floor_to(us, DAY)
        return us

    def snap(self, us):
        """Put a time on, or just before, a bucket boundary."""
        rng = self.rng
        kind = rng.randrange(8)
        if kind == 6:
            us = floor_to(us, DAY) - HOUR          # midnight in Berlin in winter
        elif kind == 7:
            us = floor_to(us, DAY) + 4 * HOUR      # midnight in Havana in summer
        elif kind == 0:
            us = floor_to(us, MIN)
        elif kind == 1:
            us = floor_to(us, 15 * MIN, ORIGIN_2000 + 7 * MIN)
        elif kind == 2:
            us = floor_to(us, HOUR, ORIGIN_2000 + 30 * MIN)
        elif kind == 3:
            us = floor_to(us, HOUR)
        elif kind == 4:
            us = floor_to(us, DAY)
        else:
            us = month_start(us)
        if rng.random() < 0.4:
            us -= 1
        return us

    def shift(self):
        """An interval literal to move rows by (to another bucket, chunk, or far away)."""
        rng = self.rng
        k = rng.randrange(5)
        sign = rng.choice(["", "-"])
        if k == 0:
            return "'%s%d seconds'" % (sign, rng.randint(1, 180))
        if k == 1:
            return "'%s%d minutes'" % (sign, rng.randint(1, 240))
        if k == 2:
            return "'%s%d hours'" % (sign, rng.randint(1, 72))
        if k == 3:
            return "'%s%d days'" % (sign, rng.randint(1, 20))
        return "'%s%d days'" % (sign, rng.randint(25, 45))

    def id_range(self, table):
        top = max(self.max_id.get(table, 1), 1)
        lo = self.rng.randint(1, top)
        return "id BETWEEN %d AND %d" % (lo, lo + self.rng.randint(0, 15))

    def time_range(self, source, width_us):
        us = self.pick_time(source)
        return "%s >= %s AND %s < %s" % (source.time_col, source.lit(us), source.time_col,
                                        source.lit(us + width_us))

    def values_row(self, source, us):
        """One row for INSERT ... VALUES (<the columns of columns()>)."""
        if source is METRICS:
            r = self.metrics_row(us)
            return "%s, %s, %s, %s" % (tstz(us), sql_int(r[1]), sql_int(r[2]),
                                       "NULL" if r[3] is None else repr(r[3]))
        if source is EVENTS:
            return "%s, %s, %.2f" % (ts(us), sql_text(self.random_kind()),
                                     self.rng.randint(-10000, 100000) / 100)
        return "%s, %s, %d" % (date_lit(us), sql_int(self.rng.choice([1, 2, 3, None])),
                               self.rng.randint(0, 500))

    def values_sql(self, source, n):
        return ", ".join("(%s)" % self.values_row(source, self.pick_time(source))
                         for _ in range(n))

    def columns(self, source):
        return {"metrics": "ts, device, v, w", "events": "t, kind, amount",
                "daily": "day, site, qty"}[source.table]

    # ---- one change (a list of actions; an action is SQL or a COPY)

    def change(self, source):
        rng = self.rng
        t = source.table
        tc = source.time_col
        val = {"metrics": "v", "events": "amount", "daily": "qty"}[t]
        key = {"metrics": "device", "events": "kind", "daily": "site"}[t]
        k = rng.random()
        if k < 0.22:
            return ["INSERT INTO %s (%s) VALUES %s" % (t, self.columns(source),
                                                      self.values_sql(source, rng.randint(1, 40)))]
        if k < 0.28:
            return [("copy", source, rng.randint(5, 80))]
        if k < 0.40:
            return ["UPDATE %s SET %s = %s WHERE %s" % (
                t, val, rng.choice(["%s + 1" % val, "NULL", "-%s" % val, "%s %% 977 * 2" % val]),
                self.id_range(t))]
        if k < 0.45:
            newkey = {"metrics": rng.choice(["device + 1", "NULL", "3"]),
                      "events": rng.choice(["'beta'", "NULL", "upper(kind)"]),
                      "daily": rng.choice(["site + 1", "NULL"])}[t]
            return ["UPDATE %s SET %s = %s WHERE %s" % (t, key, newkey, self.id_range(t))]
        if k < 0.57:
            if source is DAILY:
                expr = "%s + %d" % (tc, rng.randint(-40, 40))
            elif rng.random() < 0.8:
                expr = "%s + interval %s" % (tc, self.shift())
            elif rng.random() < 0.5:
                expr = source.lit(self.pick_time(source))
            else:
                expr = "lakets.time_bucket('1 hour', %s)" % tc
            return ["UPDATE %s SET %s = %s WHERE %s" % (t, tc, expr, self.id_range(t))]
        if k < 0.67:
            return ["DELETE FROM %s WHERE %s" % (t, self.id_range(t))]
        if k < 0.70:
            return ["DELETE FROM %s WHERE %s" % (t, self.time_range(source, rng.choice(
                [MIN, 20 * MIN, 6 * HOUR, DAY])))]
        if k < 0.72:
            # bulk delete: a whole day, or one group over several days
            us = floor_to(self.base - rng.randint(0, 30) * DAY, DAY)
            cond = "%s >= %s AND %s < %s" % (tc, source.lit(us), tc, source.lit(us + DAY))
            if rng.random() < 0.5:
                cond = "%s = %s AND %s >= %s AND %s < %s" % (
                    key, {"metrics": "2", "events": "'gamma'", "daily": "1"}[t],
                    tc, source.lit(us - 3 * DAY), tc, source.lit(us + 2 * DAY))
            return ["DELETE FROM %s WHERE %s" % (t, cond)]
        if k < 0.78:
            # upsert: existing keys get new values, new rows are inserted
            lo = rng.randint(1, max(self.max_id.get(t, 1), 1))
            new = " ".join("UNION ALL SELECT nextval('%s_id_seq'), %s"
                           % (t, self.values_row(source, self.pick_time(source)))
                           for _ in range(rng.randint(1, 4)))
            return ["INSERT INTO %s (id, %s) SELECT id, %s FROM %s WHERE id BETWEEN %d AND %d "
                    "%s ON CONFLICT (id, %s) DO UPDATE SET %s = EXCLUDED.%s, "
                    "%s = EXCLUDED.%s" % (
                        t, self.columns(source), self.bumped(source), t, lo, lo + rng.randint(0, 8),
                        new, tc, val, val, key, key)]
        if k < 0.84:
            lo = rng.randint(1, max(self.max_id.get(t, 1), 1))
            move = ("m.%s + 1" % tc) if source is DAILY else "m.%s + interval %s" % (tc, self.shift())
            return ["MERGE INTO %s m USING (SELECT id, %s FROM %s WHERE id BETWEEN %d AND %d) s "
                    "ON m.id = s.id AND m.%s = s.%s "
                    "WHEN MATCHED AND s.id %% 3 = 0 THEN DELETE "
                    "WHEN MATCHED AND s.id %% 3 = 1 THEN UPDATE SET %s = %s "
                    "WHEN MATCHED THEN UPDATE SET %s = %s" % (
                        t, tc, t, lo, lo + rng.randint(0, 10), tc, tc,
                        tc, move, val, self.bump(source))]
        if k < 0.89:
            move = ("%s + %d" % (tc, rng.randint(-20, 20))) if source is DAILY \
                else "%s + interval %s" % (tc, self.shift())
            cols = self.columns(source)
            return ["WITH moved AS (DELETE FROM %s WHERE %s RETURNING %s) INSERT INTO %s (%s) "
                    "SELECT %s, %s FROM moved" % (
                        t, self.id_range(t), cols, t, cols, move,
                        cols.split(", ", 1)[1])]
        if k < 0.94:
            return [("chunk_insert", source)]
        if k < 0.97:
            return [("default_insert", source)]
        r = rng.choice([x for x in self.rollups if x.source is source])
        us = self.pick_time(source)
        return ["SELECT lakets.invalidate_rollup_range('%s', %s, %s)" % (
            r.name, tstz(us), tstz(us + rng.choice([1, MIN, HOUR, 3 * DAY])))]

    def bump(self, source):
        return {"metrics": "v + 5", "events": "amount + 0.5", "daily": "qty + 5"}[source.table]

    def bumped(self, source):
        """The columns of columns(), the value changed."""
        return {"metrics": "ts, device, v + 5, w", "events": "t, kind, amount + 0.5",
                "daily": "day, site, qty + 5"}[source.table]

    def chunks(self, source):
        return self.a.rows("SELECT chunk_name, range_start, range_end FROM lakets.show_chunks('%s') "
                           "WHERE status = 'active' ORDER BY range_start" % source.table)

    def execute(self, sess, action):
        """Run one action: SQL, or a tuple naming a COPY or a write into a partition."""
        if isinstance(action, tuple):
            kind, source = action[0], action[1]
            if kind == "copy":
                rows = []
                for _ in range(action[2]):
                    us = self.pick_time(source)
                    if source is METRICS:
                        r = self.metrics_row(us)
                        rows.append((to_dt(us),) + r[1:])
                    elif source is EVENTS:
                        rows.append((source.copy_value(us), self.random_kind(),
                                     "%.2f" % (self.rng.randint(-10000, 100000) / 100)))
                    else:
                        rows.append((source.copy_value(us), self.rng.choice([1, 2, 3, None]),
                                     self.rng.randint(0, 500)))
                cur = sess.copy(source.table, self.columns(source).split(", "), rows)
                self.statements += 1
                self.rows_changed += max(cur.rowcount, 0)
                return
            chunks = self.chunks(source)
            if kind == "chunk_insert":
                name, start, end = self.rng.choice(chunks)
                lo = int((start - EPOCH).total_seconds() * SEC)
                hi = int((end - EPOCH).total_seconds() * SEC)
                us = lo + self.rng.randrange(hi - lo)
                if source is DAILY:
                    us = floor_to(us, DAY)
                sql = "INSERT INTO %s (%s) VALUES (%s)" % (
                    name, self.columns(source), self.values_row(source, us))
            else:
                end = max(int((c[2] - EPOCH).total_seconds() * SEC) for c in chunks)
                us = end + self.rng.randint(1, 20) * DAY + self.rng.randrange(DAY)
                if source is DAILY:
                    us = floor_to(us, DAY)
                sql = "INSERT INTO %s_default (%s) VALUES (%s)" % (
                    source.table, self.columns(source), self.values_row(source, us))
            action = sql
        cur = sess.run(action)
        self.statements += 1
        self.rows_changed += max(cur.rowcount, 0)

    def pick_source(self):
        r = self.rng.random()
        return METRICS if r < 0.7 else EVENTS if r < 0.9 else DAILY

    def changes(self, sess, n):
        for _ in range(n):
            for action in self.change(self.pick_source()):
                self.execute(sess, action)

    def unit(self, sess):
        """A random group of changes with a random transaction shape."""
        rng = self.rng
        k = rng.random()
        if k < 0.45:
            self.changes(sess, 1)
        elif k < 0.70:
            sess.run("BEGIN")
            self.changes(sess, rng.randint(2, 6))
            sess.run("COMMIT")
        elif k < 0.80:
            sess.run("BEGIN")
            self.changes(sess, rng.randint(1, 5))
            sess.run("ROLLBACK")
        elif k < 0.92:
            sess.run("BEGIN")
            self.changes(sess, rng.randint(0, 2))
            sess.run("SAVEPOINT a")
            self.changes(sess, rng.randint(1, 3))
            if rng.random() < 0.5:
                sess.run("SAVEPOINT b")
                self.changes(sess, 1)
                sess.run("RELEASE SAVEPOINT b")
            sess.run("ROLLBACK TO SAVEPOINT a")
            self.changes(sess, rng.randint(0, 2))
            sess.run("COMMIT")
        else:
            # changes, then an error aborts the transaction
            sess.run("BEGIN")
            self.changes(sess, rng.randint(1, 4))
            try:
                sess.run("SELECT 1 / 0")
            except psycopg.errors.DivisionByZero:
                pass
            sess.run("ROLLBACK")

    # ---- refreshing

    def refresh_all(self, sess=None):
        sess = sess or self.a
        sess.rows("SELECT * FROM lakets.refresh_rollup_cascade()")
        self.refresh_warnings(sess, "refresh_rollup_cascade()")

    def refresh_until_done(self):
        """refresh_rollup() on each RollUp in random order, until a pass does nothing."""
        for n in range(1, 7):
            order = self.rollups[:]
            self.rng.shuffle(order)
            did = [self.a.scalar("SELECT lakets.refresh_rollup('%s')" % r.name) for r in order]
            self.refresh_warnings(self.a, "refresh_rollup()")
            if not any(did):
                return self.check(n <= 5, "refresh_rollup() in random order converges in %d passes" % n)
        return self.check(False, "refresh_rollup() in random order does not converge")

    def refresh(self):
        """Refresh one of several ways; returns the RollUps that are current."""
        rng = self.rng
        a, b = self.a, self.b
        mode = rng.choice(["cascade", "cascade", "each", "each", "chains", "subset",
                           "in_txn", "rolled_back", "uncommitted", "rr_interleaved"])
        self.trace.comment("round %d: refresh (%s)" % (self.round, mode))
        fresh = self.rollups
        if mode == "cascade":
            self.refresh_all()
        elif mode == "each":
            self.refresh_until_done()
        elif mode == "chains":
            for r in self.rollups:
                if r.level == 0:
                    a.rows("SELECT * FROM lakets.refresh_rollup_cascade('%s', "
                           "p_include_dependents => true)" % r.name)
            self.refresh_warnings(a, "refresh_rollup_cascade(name, p_include_dependents)")
        elif mode == "subset":
            fresh = [r for r in self.rollups if r.level == 0 and rng.random() < 0.5]
            for r in fresh:
                a.run("SELECT lakets.refresh_rollup('%s')" % r.name)
            self.refresh_warnings(a, "refresh_rollup()")
        elif mode == "in_txn":
            a.run("BEGIN")
            self.changes(a, rng.randint(1, 4))
            a.rows("SELECT * FROM lakets.refresh_rollup_cascade()")
            self.changes(a, rng.randint(1, 4))
            for r in rng.sample(self.rollups, 3):
                a.run("SELECT lakets.refresh_rollup('%s')" % r.name)
            self.changes(a, rng.randint(0, 3))
            a.run("COMMIT")
            self.refresh_all()
        elif mode == "rolled_back":
            a.run("BEGIN")
            a.rows("SELECT * FROM lakets.refresh_rollup_cascade()")
            a.run("ROLLBACK")
            self.refresh_all()
        elif mode == "uncommitted":
            # B's changes are invisible to the refresh and to the check ...
            b.run("BEGIN")
            self.changes(b, rng.randint(1, 6))
            self.refresh_all()
            for r in self.rollups:
                self.compare_rollup(r, with_view=False)
            # ... and once committed, the next refresh has them
            b.run("COMMIT")
            self.refresh_all()
        elif mode == "rr_interleaved":
            a.run("BEGIN ISOLATION LEVEL %s" % rng.choice(["REPEATABLE READ", "READ COMMITTED"]))
            half = rng.randint(1, len(self.rollups) - 1)
            order = self.rollups[:]
            rng.shuffle(order)
            for r in order[:half]:
                a.run("SELECT lakets.refresh_rollup('%s')" % r.name)
            self.changes(b, rng.randint(1, 4))      # B commits meanwhile
            for r in order[half:]:
                a.run("SELECT lakets.refresh_rollup('%s')" % r.name)
            a.run("COMMIT")
            self.refresh_warnings(a, "refresh_rollup()")
            self.refresh_all()
        self.refresh_warnings(b, "session B")
        return fresh

    # ---- the real-time view between refreshes

    def realtime_round(self):
        """Change rows at or after every watermark of a source; its views must stay exact."""
        for source in (METRICS, EVENTS):
            roots = [r for r in self.rollups if r.source is source and r.parent is None]
            wms = [self.a.scalar("SELECT CASE WHEN isfinite(w) THEN (extract(epoch FROM w) "
                                 "* 1000000)::bigint END FROM lakets._rollup_watermark('%s') w"
                                 % r.name) for r in roots]
            if None in wms:
                continue
            t0 = max(wms)
            t = source.table
            lit = source.lit(t0)
            self.trace.comment("round %d: changes after the watermark %s of %s"
                               % (self.round, to_dt(t0), t))
            rows = []
            for _ in range(self.rng.randint(1, 30)):
                rows.append(t0 + self.rng.randrange(2 * DAY))
            stmts = []
            if source is METRICS:
                stmts.append("INSERT INTO metrics (ts, device, v, w) VALUES " + ", ".join(
                    "(%s, %d, %d, %s)" % (tstz(us), self.rng.randint(1, 8), self.rng.randint(-5, 99),
                                          self.rng.randint(0, 40) / 4) for us in rows))
                stmts.append("UPDATE metrics SET v = v + 3, device = device %% 4 "
                             "WHERE ts >= %s AND id %% 3 = 0" % lit)
                stmts.append("UPDATE metrics SET ts = ts + interval '37 minutes' "
                             "WHERE ts >= %s AND id %% 5 = 1" % lit)
                stmts.append("DELETE FROM metrics WHERE ts >= %s AND id %% 7 = 2" % lit)
            else:
                stmts.append("INSERT INTO events (t, kind, amount) VALUES " + ", ".join(
                    "(%s, %s, %d.25)" % (ts(us), sql_text(self.random_kind()), self.rng.randint(0, 99))
                    for us in rows))
                stmts.append("UPDATE events SET amount = amount %% 977 * 2 WHERE t >= %s AND id %% 2 = 0" % lit)
                stmts.append("DELETE FROM events WHERE t >= %s AND id %% 5 = 3" % lit)
            self.a.run("BEGIN")
            for s in stmts:
                self.execute(self.a, s)
            self.a.run("COMMIT")
            for r in roots:
                self.compare("%s equals the query after changes past the watermark" % r.view,
                             "TABLE " + r.view, r.query)

    # ---- the rounds

    def refresh_max_ids(self):
        for s in SOURCES:
            self.max_id[s.table] = self.a.scalar("SELECT coalesce(max(id), 1) FROM %s" % s.table)

    def run_rounds(self):
        t0 = time.time()
        for self.round in range(1, self.rounds + 1):
            try:
                self.one_round()
            except psycopg.Error as e:
                self.recover("round %d" % self.round, e)
            if self.round % 10 == 0 or self.round == self.rounds:
                n = self.a.scalar("SELECT count(*) FROM metrics")
                print("rollup_diff: round %d/%d, %d statements, %d rows changed, %d rows in "
                      "metrics, %d passed, %d failed, %.0fs" % (
                          self.round, self.rounds, self.statements, self.rows_changed, n,
                          self.passed, self.failed, time.time() - t0))
                sys.stdout.flush()
        self.round = 0
        self.refresh_all()
        for r in self.rollups:
            self.compare_rollup(r)

    def one_round(self):
        self.trace.comment("round %d: changes" % self.round)
        self.refresh_max_ids()
        sess = self.a if self.rng.random() < 0.7 else self.b
        for _ in range(self.rng.randint(15, 35)):
            self.unit(sess)
        k = self.rng.random()
        if k < 0.20:
            self.a.warnings()
            self.a.run("SELECT lakets.ensure_partitions()")
            self.refresh_warnings(self.a, "ensure_partitions()")
        if k < 0.05:
            # chunks for a range; after ensure_partitions(), which drained the
            # default partition (see scenario_ensure_range)
            s = self.rng.choice(SOURCES)
            us = self.pick_time(s)
            self.a.run("SELECT lakets._ensure_partitions(lakets._chronotable_id('%s'), 0, 0, %s, %s)"
                       % (s.table, tstz(us), tstz(us + self.rng.randint(1, 40) * DAY)))
        self.a.warnings()
        fresh = self.refresh()
        # reading a real-time view runs lakets._rollup_watermark() once per
        # materialized row, which is slow: check them every third round
        for r in fresh:
            self.compare_rollup(r, with_view=self.round % 3 == 0)
        if len(fresh) == len(self.rollups) and self.rng.random() < 0.25:
            self.realtime_round()

    # ---- scenarios

    def scenario_savepoint_refresh(self):
        """A refresh inside a savepoint that rolls back must not lose the
        transaction's earlier changes."""
        a = self.a
        self.trace.comment("scenario: refresh in a rolled-back savepoint")
        us = self.base - 2 * DAY + 5 * MIN
        a.run("BEGIN")
        a.run("INSERT INTO metrics (ts, device, v, w) VALUES (%s, 1, 1000, 1)" % tstz(us))
        a.run("INSERT INTO events (t, kind, amount) VALUES (%s, 'alpha', 1000)" % ts(us))
        a.run("SAVEPOINT s")
        a.rows("SELECT * FROM lakets.refresh_rollup_cascade()")
        a.run("ROLLBACK TO SAVEPOINT s")
        a.run("COMMIT")
        self.refresh_all()
        self.compare_all("after a refresh rolled back to a savepoint", self.rollups)

    def scenario_analyze_lock(self):
        """A refresh while (auto)ANALYZE or VACUUM works on the RollUp table
        (SHARE UPDATE EXCLUSIVE) must not be skipped as if another refresh
        of it were running."""
        a, b = self.a, self.b
        self.trace.comment("scenario: refresh while ANALYZE holds the RollUp table")
        a.run("INSERT INTO metrics (ts, device, v, w) VALUES (%s, 4, 444, 4.25)"
              % tstz(self.base - 3 * DAY + 17 * MIN))
        b.run("BEGIN")
        b.run("ANALYZE _rollup_m1")
        done = a.scalar("SELECT lakets.refresh_rollup('m1')")
        skipped = a.warnings()
        b.run("COMMIT")
        n, rows = self.diff("TABLE _rollup_m1", self.by_name["m1"].query)
        self.check(done and not skipped and n == 0,
                   "refresh_rollup('m1') while ANALYZE _rollup_m1 runs: refreshed",
                   ["refresh_rollup returned %s; %s; %d rows differ" % (
                       done, "; ".join(x[1] for x in skipped) or "no notice", n)] + rows[:4])
        self.refresh_all()
        if n:
            self.repair(self.by_name["m1"])

    def scenario_ensure_range(self):
        """_ensure_partitions() for a range whose rows wait in the default
        partition moves them into the new chunks (as ensure_partitions() does)."""
        a = self.a
        self.trace.comment("scenario: _ensure_partitions over rows of the default partition")
        a.run("SELECT lakets.ensure_partitions()")
        end = max(int((c[2] - EPOCH).total_seconds() * SEC) for c in self.chunks(METRICS))
        us = floor_to(end, DAY) + 10 * DAY + 5 * HOUR
        a.run("INSERT INTO metrics (ts, device, v, w) VALUES (%s, 6, 66, 6.5)" % tstz(us))
        detail = []
        try:
            a.run("SELECT lakets._ensure_partitions(lakets._chronotable_id('metrics'), 0, 0, "
                  "%s, %s)" % (tstz(us - 2 * DAY), tstz(us + 2 * DAY)))
        except psycopg.Error as e:
            detail.append("%s: %s" % (type(e).__name__, str(e).strip().split("\n")[0]))
        left = a.scalar("SELECT count(*) FROM metrics_default WHERE ts >= %s AND ts < %s"
                        % (tstz(us - 2 * DAY), tstz(us + 2 * DAY)))
        if left:
            detail.append("%d rows of the range still in metrics_default" % left)
        self.check(not detail, "_ensure_partitions() over a range with rows in the default "
                   "partition creates its chunks and moves the rows", detail)
        a.run("SELECT lakets.ensure_partitions()")
        self.refresh_all()
        self.compare_all("after _ensure_partitions()", self.rollups)

    def scenario_truncate_chunk(self):
        """TRUNCATE of one chunk (a partition) changes the source too."""
        a = self.a
        self.trace.comment("scenario: TRUNCATE one chunk")
        for source in (METRICS, EVENTS):
            chunks = [c for c in self.chunks(source)
                      if a.scalar("SELECT count(*) FROM %s" % c[0]) > 0]
            name = chunks[len(chunks) // 2][0]
            a.run("TRUNCATE %s" % name)
        self.refresh_all()
        self.compare_all("after TRUNCATE of one chunk", self.rollups)

    def scenario_datestyle(self):
        """A RollUp created under DateStyle 'SQL, DMY' refreshed under 'ISO, MDY'."""
        a = self.a
        self.trace.comment("scenario: DateStyle")
        query = ("SELECT date_bin('7 days', ts, '2000-01-05 12:00:00+00') AS bucket, "
                 "count(*) AS n, sum(v) AS total FROM metrics GROUP BY 1")
        c = self.session("C")
        # in UTC the origin reads back as 2000-05-01: 117 days, not whole weeks, off
        c.run("SET TimeZone = 'UTC'")
        c.run("SET DateStyle = 'SQL, DMY'")
        c.run("SELECT lakets.create_rollup('ds7', $q$%s$q$)" % query)
        c.close()
        a.run("SET DateStyle = 'ISO, MDY'")
        try:
            for day in (3, 10, 20):
                a.run("INSERT INTO metrics (ts, device, v, w) VALUES (%s, 2, 7, 0.5)"
                      % tstz(self.base - day * DAY + 3 * HOUR))
            a.run("SELECT lakets.refresh_rollup('ds7')")
            self.compare("_rollup_ds7 (created under DateStyle SQL, DMY) equals its query after "
                         "a refresh under ISO, MDY", "TABLE _rollup_ds7", query)
        finally:
            a.run("SELECT lakets.drop_rollup('ds7')")
        self.refresh_all()

    def scenario_drop_chunks(self):
        """Dropped chunks: their buckets keep their values, the rest matches."""
        a = self.a
        self.trace.comment("scenario: drop_chunks")
        a.run("SET TimeZone = 'UTC'")
        self.refresh_all()
        for r in self.rollups:
            a.run("CREATE TEMP TABLE snap_%s AS TABLE %s" % (r.name, r.table))
        cutoff = self.base - 20 * DAY
        dropped = a.scalar("SELECT lakets.drop_chunks('metrics', now() - %s)" % tstz(cutoff))
        self.check(dropped > 0, "drop_chunks dropped chunks of metrics")
        a.run("CREATE TEMP TABLE gone AS SELECT range_agg(tstzrange(range_start, range_end)) AS r "
              "FROM lakets.show_chunks('metrics', p_include_dropped => true) WHERE status = 'dropped'")
        # changes everywhere, late rows for the dropped range included
        self.refresh_max_ids()
        for _ in range(30):
            self.unit(a)
        for d in (21, 25, 40):
            a.run("INSERT INTO metrics (ts, device, v, w) VALUES (%s, 5, 55, 5.5)"
                  % tstz(self.base - d * DAY + 4 * HOUR))
        a.run("SELECT lakets.ensure_partitions()")
        a.warnings()
        a.run("SELECT lakets.invalidate_rollup_range('day', '-infinity', 'infinity')")
        self.refresh_all()
        self.check_after_drop("after drop_chunks")
        # TRUNCATE of the whole table: only the dropped buckets keep values
        self.trace.comment("scenario: TRUNCATE")
        a.run("TRUNCATE metrics, events, daily")
        self.refresh_all()
        self.check_after_drop("after TRUNCATE")

    def check_after_drop(self, when):
        for r in self.rollups:
            if r.source is not METRICS or r.parent is not None:
                # cascades read a RollUp (which kept its values), the others another table
                self.compare("%s: %s equals its query" % (when, r.table), "TABLE " + r.table,
                             r.query)
                continue
            in_gone = ("tstzrange(bucket, bucket + interval '%s') && (SELECT r FROM gone)"
                       % r.width)
            self.compare("%s: %s keeps the buckets of dropped chunks" % (when, r.table),
                         "SELECT * FROM %s WHERE %s" % (r.table, in_gone),
                         "SELECT * FROM snap_%s WHERE %s" % (r.name, in_gone))
            self.compare("%s: %s equals its query outside the dropped chunks" % (when, r.table),
                         "SELECT * FROM %s WHERE NOT %s" % (r.table, in_gone),
                         "SELECT * FROM (%s) q WHERE NOT %s" % (r.query, in_gone))

    def recover(self, where, e):
        """An unexpected error (of lakets or of the test): one failure, then go on."""
        self.check(False, "%s: unexpected error %s: %s" % (where, type(e).__name__,
                                                           str(e).strip().replace("\n", " | ")))
        for sess in (self.a, self.b):
            if sess.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                sess.run("ROLLBACK")

    def run(self):
        t0 = time.time()
        self.setup()
        self.run_rounds()
        for scenario in (self.scenario_savepoint_refresh, self.scenario_analyze_lock,
                         self.scenario_ensure_range, self.scenario_truncate_chunk,
                         self.scenario_datestyle, self.scenario_drop_chunks):
            self.refresh_max_ids()
            try:
                scenario()
            except psycopg.Error as e:
                self.recover(scenario.__name__, e)
        print("rollup_diff: %d rounds, %d statements changing %d rows, %.0fs"
              % (self.rounds, self.statements, self.rows_changed, time.time() - t0))
        self.a.close()
        self.b.close()
        self.trace.close()


def main():
    dbname = os.environ.get("LAKETS_DIFF_DB", "lakets_diff")
    seed = int(os.environ.get("LAKETS_DIFF_SEED") or 20261125)
    rounds = int(os.environ.get("LAKETS_DIFF_ROUNDS") or 60)
    trace = os.environ.get("LAKETS_DIFF_TRACE") or "rollup_diff_trace.sql"
    print("rollup_diff: seed %d (LAKETS_DIFF_SEED), %d rounds (LAKETS_DIFF_ROUNDS), trace %s"
          % (seed, rounds, trace))
    sys.stdout.flush()
    t = DiffTest(dbname, seed, rounds, trace)
    try:
        t.run()
    except Exception as e:      # an error of the test or of lakets: one failure
        t.failed += 1
        print("FAIL (round %d): unexpected error: %s: %s" % (t.round, type(e).__name__, e))
        print("    see the end of the trace %s" % trace)
    if t.failed:
        print("rollup_diff: reproduce with LAKETS_DIFF_SEED=%d; every statement is in %s"
              % (seed, trace))
    print("rollup_diff: %d passed, %d failed" % (t.passed, t.failed))
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
