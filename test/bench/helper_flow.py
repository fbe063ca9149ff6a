#!/usr/bin/python3
"""What `lakets-helper run partitions` does, written in Python for test/bench/helper_bench.sh.

Same steps, same settings, with requests and psycopg (Debian's python3-requests
and python3-psycopg): OAuth M2M token, SCIM Me, the project's default branch
(paginated), its read-write endpoint, the endpoint's host, a Postgres
credential, a TLS login, session limits, then the job as the helper runs it:
a probe for lakets, CALL lakets.maintain('partitions') in autocommit (the
procedure commits per table), its NOTICEs printed as actions, and the run's
lakets.job_history row as the summary line.  Configuration comes from the same
environment variables as the helper's.
"""

import os
import sys

import psycopg
import requests


def main():
    host = os.environ["DATABRICKS_HOST"].rstrip("/")
    ca = os.environ.get("LAKETS_CA_BUNDLE", True)
    project = os.environ["LAKETS_PROJECT"]
    s = requests.Session()
    s.verify = ca
    s.headers["Accept"] = "application/json"

    r = s.post(f"{host}/oidc/v1/token", auth=(os.environ["DATABRICKS_CLIENT_ID"],
                                              os.environ["DATABRICKS_CLIENT_SECRET"]),
               data={"grant_type": "client_credentials", "scope": "all-apis"}, timeout=30)
    r.raise_for_status()
    s.headers["Authorization"] = "Bearer " + r.json()["access_token"]

    def get(path, **params):
        r = s.get(host + path, params=params, timeout=30)
        r.raise_for_status()
        return r.json()

    def find(path, key, pred):
        token = None
        while True:
            page = get(path, **({"page_token": token} if token else {}))
            for item in page.get(key, []):
                if pred(item):
                    return item["name"]
            token = page.get("next_page_token")
            if not token:
                raise SystemExit(f"nothing found in {path}")

    user = os.environ.get("LAKETS_PG_ROLE") or get("/api/2.0/preview/scim/v2/Me")["userName"]
    branch = find(f"/api/2.0/postgres/projects/{project}/branches", "branches",
                  lambda b: b.get("status", {}).get("default") is True)
    endpoint = find(f"/api/2.0/postgres/{branch}/endpoints", "endpoints",
                    lambda e: e.get("status", {}).get("endpoint_type") == "ENDPOINT_TYPE_READ_WRITE")
    pghost = get(f"/api/2.0/postgres/{endpoint}")["status"]["hosts"]["host"]
    r = s.post(f"{host}/api/2.0/postgres/credentials", json={"endpoint": endpoint}, timeout=30)
    r.raise_for_status()
    password = r.json()["token"]

    job = "partitions"
    with psycopg.connect(host=pghost, port=os.environ.get("PGPORT", "5432"),
                         dbname=os.environ.get("LAKETS_DBNAME", "databricks_postgres"),
                         user=user, password=password, sslmode="require", connect_timeout=30,
                         application_name="lakets-helper-py", gssencmode="disable",
                         autocommit=True) as conn:
        def on_notice(diag):
            if diag.severity_nonlocalized == "NOTICE" and diag.message_primary.startswith("lakets "):
                print(diag.message_primary)
        conn.add_notice_handler(on_notice)
        conn.execute("SELECT pg_catalog.set_config('statement_timeout', %s, false),"
                     " pg_catalog.set_config('lock_timeout', %s, false)", ("600000ms", "30000ms"))
        probe = conn.execute(
            "SELECT (SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'lakets'),"
            " pg_catalog.to_regprocedure('lakets.maintain(text)') IS NOT NULL").fetchone()
        if probe[0] is None or not probe[1]:
            raise SystemExit("lakets.maintain() is missing")
        before, t0 = conn.execute("SELECT pg_catalog.max(id), pg_catalog.clock_timestamp()"
                                  " FROM lakets.job_history").fetchone()
        conn.execute(f"CALL lakets.maintain('{job}')")
        h = conn.execute("SELECT status, chunks_created, rollups_refreshed, chunks_dropped,"
                         " skipped, errors FROM lakets.job_history"
                         " WHERE id > COALESCE(%s, 0) AND job = %s AND run_by = CURRENT_USER"
                         " AND started >= %s ORDER BY id DESC LIMIT 1", (before, job, t0)).fetchone()

    def n(count, one, many):
        return f"{count} {one if count == 1 else many}"
    print(f"{job} {h[0]}: {n(h[1], 'chunk created', 'chunks created')}, "
          f"{n(h[2], 'rollup refreshed', 'rollups refreshed')}, "
          f"{n(h[3], 'chunk dropped', 'chunks dropped')}, {h[4]} skipped, {n(h[5], 'error', 'errors')}")
    return 0 if h[0] == "succeeded" else 5


if __name__ == "__main__":
    sys.exit(main())
