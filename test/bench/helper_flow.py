#!/usr/bin/python3
"""What `lakets-helper run partitions` does, written in Python for test/bench/helper_bench.sh.

Same steps, same settings, with requests and psycopg (Debian's python3-requests
and python3-psycopg): OAuth M2M token, SCIM Me, the project's default branch
(paginated), its read-write endpoint, the endpoint's host, a Postgres
credential, a TLS login, session limits, SELECT lakets.ensure_partitions().
Configuration comes from the same environment variables as the helper's.
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

    with psycopg.connect(host=pghost, port=os.environ.get("PGPORT", "5432"),
                         dbname=os.environ.get("LAKETS_DBNAME", "databricks_postgres"),
                         user=user, password=password, sslmode="require", connect_timeout=30,
                         application_name="lakets-helper-py", gssencmode="disable") as conn:
        conn.execute("SELECT pg_catalog.set_config('statement_timeout', %s, false),"
                     " pg_catalog.set_config('lock_timeout', %s, false)", ("600000ms", "30000ms"))
        n = conn.execute("SELECT lakets.ensure_partitions()").fetchone()[0]
    print(" ensure_partitions\n-------------------\n %17d\n(1 row)" % n)


if __name__ == "__main__":
    sys.exit(main())
