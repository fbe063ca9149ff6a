#!/usr/bin/env python3
"""A mock Databricks workspace for lakets-helper's tests (standard library only).

It speaks HTTPS with a certificate the test made, and implements what the
helper calls, checking requests the way Databricks does:

  POST /oidc/v1/token                       client credentials (HTTP Basic), or
                                            RFC 8693 token exchange of a JWT
                                            (token federation)
  GET  /api/2.0/preview/scim/v2/Me          bearer token
  GET  /api/2.0/postgres/projects/<p>/branches          (paginated)
  GET  /api/2.0/postgres/<branch>/endpoints             (paginated)
  GET  /api/2.0/postgres/<endpoint>
  POST /api/2.0/postgres/credentials        {"endpoint": ...}
  GET  /api/2.0/database/instances/<name>
  POST /api/2.0/database/credentials        {"instance_names": [...], "request_id": uuid}

With --idp-port-file it also plays Microsoft Entra ID on a second TLS port:

  POST /<tenant>/oauth2/token               client credentials in the form,
                                            resource = Azure Databricks

Bearer tokens it accepts: those it issued (M2M, exchange, Entra ID), the
PAT, and the token the fake Databricks CLI of the tests prints.

Every credential call returns a distinct token.  Unless the scenario says
otherwise, the mock then makes that token the Postgres password of the role
(ALTER ROLE through psql, with the PG* environment it was started with), so
a login only succeeds with the newest credential - as with real Lakebase,
where only a freshly minted token is valid.

Test control goes through files in --state-dir:
  scenario.json   read on every request; counters reset when its "id" changes
  requests.jsonl  one line per request: method, path, status, tokens issued

Scenario fields besides "faults" (each {method, path, [prefix], [times],
then status/json/headers, raw, size or delay}):
  rotate_password, password_role, predictable_tokens   (credentials)
  me_status                                            (SCIM Me refuses)
  federation: "sp" | "account"    which federation policy the exchange meets:
                                  client_id required, or refused
  token_lifetime                  expires_in of the tokens issued
  endpoint_states, instance_states: lists of fields merged into the primary
                                  endpoint's status / the instance, one per GET
                                  (the last one repeats)
"""

import argparse
import base64
import binascii
import email.utils
import json
import os
import re
import secrets
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROJECT = "lakets-proj"
BRANCHES = [
    # page 1 holds a non-default branch so the helper must follow next_page_token
    {"name": f"projects/{PROJECT}/branches/dev", "status": {"default": False, "current_state": "READY"}},
    {"name": f"projects/{PROJECT}/branches/production", "status": {"default": True, "current_state": "READY"}},
]
DEFAULT_BRANCH = BRANCHES[1]["name"]
ENDPOINTS = {
    DEFAULT_BRANCH: [
        {"name": f"{DEFAULT_BRANCH}/endpoints/replica",
         "spec": {"endpoint_type": "ENDPOINT_TYPE_READ_ONLY"},
         "status": {"endpoint_type": "ENDPOINT_TYPE_READ_ONLY", "current_state": "ACTIVE",
                    "hosts": {"host": "127.0.0.2"}}},
        {"name": f"{DEFAULT_BRANCH}/endpoints/primary",
         "spec": {"endpoint_type": "ENDPOINT_TYPE_READ_WRITE"},
         "status": {"endpoint_type": "ENDPOINT_TYPE_READ_WRITE", "current_state": "ACTIVE",
                    "hosts": {"host": "127.0.0.1"}}},
    ],
}
ENDPOINTS[f"projects/{PROJECT}/branches/dev"] = [
    {"name": f"projects/{PROJECT}/branches/dev/endpoints/dev-primary",
     "spec": {"endpoint_type": "ENDPOINT_TYPE_READ_WRITE"},
     "status": {"endpoint_type": "ENDPOINT_TYPE_READ_WRITE", "current_state": "ACTIVE",
                "hosts": {"host": "127.0.0.1"}}},
]
PRIMARY = f"{DEFAULT_BRANCH}/endpoints/primary"
INSTANCE = "lakets-inst"
AZURE_DATABRICKS = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d"
EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
JWT_TYPE = "urn:ietf:params:oauth:token-type:jwt"
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.scenario = {}
        self.scenario_id = None
        self.fault_hits = {}
        self.tokens = {}  # bearer token -> how it was issued
        self.state_reads = {}
        self.request_ids = set()
        self.seq = 0
        self.creds = 0
        self.log = open(os.path.join(args.state_dir, "requests.jsonl"), "a", buffering=1)

    def load_scenario(self):
        path = os.path.join(self.args.state_dir, "scenario.json")
        try:
            with open(path) as f:
                sc = json.load(f)
        except FileNotFoundError:
            sc = {}
        with self.lock:
            if sc.get("id") != self.scenario_id:
                self.scenario_id = sc.get("id")
                self.fault_hits = {}
                self.state_reads = {}
            self.scenario = sc
        return sc

    def take_fault(self, method, path):
        """The first matching fault that still has uses left, or None."""
        with self.lock:
            for i, f in enumerate(self.scenario.get("faults", [])):
                if f.get("method", method) != method:
                    continue
                fp = f.get("path", "")
                if not (path == fp or (f.get("prefix") and path.startswith(fp))):
                    continue
                used = self.fault_hits.get(i, 0)
                if f.get("times", -1) >= 0 and used >= f["times"]:
                    continue
                self.fault_hits[i] = used + 1
                return f
        return None

    def next_state(self, key):
        """The next of the scenario's list of states for key, or {}."""
        with self.lock:
            states = self.scenario.get(key) or []
            n = self.state_reads.get(key, 0)
            self.state_reads[key] = n + 1
        return states[min(n, len(states) - 1)] if states else {}

    def issue(self, kind):
        tok = f"{'aad' if kind == 'aad' else 'oauth'}-" + secrets.token_hex(16)
        with self.lock:
            self.tokens[tok] = kind
        return tok

    def record(self, entry):
        with self.lock:
            self.seq += 1
            entry["seq"] = self.seq
            entry["t"] = time.time()
            self.log.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mock-databricks/1"
    # headers and body go out in two writes; without this, Nagle and the
    # client's delayed ACK add 40 ms to every answer
    disable_nagle_algorithm = True

    def log_message(self, fmt, *a):  # keep test output quiet
        pass

    # ---- plumbing -------------------------------------------------------
    def reply(self, status, obj=None, raw=None, headers=None):
        body = raw if raw is not None else json.dumps(obj if obj is not None else {}).encode()
        if isinstance(body, str):
            body = body.encode()
        self.entry["status"] = status
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.entry["client_gone"] = True
        self.state.record(self.entry)

    def error(self, status, code, message):
        self.reply(status, {"error_code": code, "message": message})

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def bearer(self):
        h = self.headers.get("Authorization", "")
        if not h.startswith("Bearer "):
            return None
        tok = h[7:]
        st = self.state
        kind = st.tokens.get(tok)
        if kind is None and st.args.pat and tok == st.args.pat:
            kind = "pat"
        if kind is None and st.args.cli_token and tok == st.args.cli_token:
            kind = "cli"
        if kind is None:
            return None
        self.entry["auth"] = kind
        self.entry["bearer"] = tok
        return tok

    def json_body(self, raw, keys):
        ctype = self.headers.get("Content-Type", "")
        if ctype.split(";")[0].strip() != "application/json":
            return None, "Content-Type must be application/json"
        try:
            obj = json.loads(raw)
        except ValueError:
            return None, "body is not JSON"
        if not isinstance(obj, dict) or set(obj) != set(keys):
            return None, f"body must have exactly the fields {sorted(keys)}"
        return obj, None

    def handle_one(self, method):
        self.state = self.server.state
        sc = self.state.load_scenario()
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, urllib.parse.parse_qs(url.query, keep_blank_values=True)
        self.entry = {"method": method, "path": path, "query": url.query, "scenario": sc.get("id")}
        body = self.read_body() if method == "POST" else b""

        fault = self.state.take_fault(method, path)
        if fault:
            self.entry["fault"] = True
            if fault.get("delay"):
                time.sleep(fault["delay"])
            if "status" in fault:
                headers = dict(fault.get("headers", {}))
                if "retry_after" in fault:
                    headers["Retry-After"] = str(fault["retry_after"])
                if "retry_after_date" in fault:  # the HTTP-date form, seconds from now
                    headers["Retry-After"] = email.utils.formatdate(time.time() + fault["retry_after_date"],
                                                                    usegmt=True)
                return self.reply(fault["status"], fault.get("json", {"error_code": "MOCK_FAULT",
                                                                      "message": "injected failure"}),
                                  headers=headers)
            if "raw" in fault:
                return self.reply(200, raw=fault["raw"])
            if "size" in fault:
                pad = "x" * int(fault["size"])
                return self.reply(200, raw=json.dumps({"token": "t", "padding": pad}))
            # a bare delay: continue normally

        if self.server.role == "entra":
            return self.entra_token(method, path, body)
        if path == "/oidc/v1/token":
            return self.token(method, body)
        if method == "GET" and set(query) - {"page_token"}:
            return self.error(400, "INVALID_PARAMETER_VALUE", "unexpected query parameter")
        if self.bearer() is None:
            return self.reply(401, {"error_code": "401",
                                    "message": "Credential was not sent or was of an unsupported type for this API."})
        if method == "GET" and path == "/api/2.0/preview/scim/v2/Me":
            return self.me()
        if method == "GET" and path.startswith("/api/2.0/postgres/"):
            return self.postgres_get(path[len("/api/2.0/postgres/"):], query)
        if method == "POST" and path == "/api/2.0/postgres/credentials":
            obj, err = self.json_body(body, ["endpoint"])
            if err:
                return self.error(400, "INVALID_PARAMETER_VALUE", err)
            names = [e["name"] for eps in ENDPOINTS.values() for e in eps]
            if obj["endpoint"] not in names:
                return self.error(404, "NOT_FOUND", f"endpoint {obj['endpoint']} not found")
            return self.credential("expire_time")
        if method == "GET" and path.startswith("/api/2.0/database/instances/"):
            name = path.rsplit("/", 1)[1]
            if name != INSTANCE:
                return self.error(404, "RESOURCE_DOES_NOT_EXIST", f"Database instance '{name}' does not exist.")
            inst = {"name": INSTANCE, "state": "AVAILABLE", "pg_version": "PG_VERSION_15",
                    "read_write_dns": "127.0.0.1", "capacity": "CU_1"}
            inst.update(self.state.next_state("instance_states"))
            self.entry["state"] = inst.get("state")
            return self.reply(200, {k: v for k, v in inst.items() if v is not None})
        if method == "POST" and path == "/api/2.0/database/credentials":
            obj, err = self.json_body(body, ["instance_names", "request_id"])
            if err:
                return self.error(400, "INVALID_PARAMETER_VALUE", err)
            if obj["instance_names"] != [INSTANCE]:
                return self.error(404, "RESOURCE_DOES_NOT_EXIST", "unknown instance")
            rid = obj["request_id"]
            if not isinstance(rid, str) or not UUID4.match(rid) or rid in self.state.request_ids:
                return self.error(400, "INVALID_PARAMETER_VALUE", "request_id must be a fresh UUID")
            self.state.request_ids.add(rid)
            return self.credential("expiration_time")
        return self.error(404, "ENDPOINT_NOT_FOUND", f"No API found for '{method} {path}'")

    # ---- endpoints -------------------------------------------------------
    def form(self, body):
        """The form of a token request, or None if it is not one."""
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip()
        if ctype != "application/x-www-form-urlencoded":
            return None
        form = urllib.parse.parse_qs(body.decode("latin-1"), keep_blank_values=True, strict_parsing=False)
        if any(len(v) != 1 for v in form.values()):
            return None
        return {k: v[0] for k, v in form.items()}

    def token_reply(self, kind):
        tok = self.state.issue(kind)
        self.entry["issued"] = tok
        lifetime = self.state.scenario.get("token_lifetime", 3600)
        return self.reply(200, {"access_token": tok, "token_type": "Bearer", "expires_in": lifetime,
                                "scope": "all-apis"})

    def exchange(self, form):
        """RFC 8693 token exchange: the JWT of a federated identity for a token."""
        st = self.state
        self.entry["auth"] = "exchange"
        self.entry["client_id"] = form.get("client_id")
        if "Authorization" in self.headers:
            return self.reply(400, {"error": "invalid_request",
                                    "error_description": "token exchange takes no client authentication"})
        want = {"grant_type", "subject_token", "subject_token_type", "scope"}
        policy = st.scenario.get("federation")
        if "client_id" in form:
            want.add("client_id")
        if set(form) != want or form["subject_token_type"] != JWT_TYPE or form["scope"] != "all-apis":
            return self.reply(400, {"error": "invalid_request",
                                    "error_description": "expected subject_token, subject_token_type=jwt, scope=all-apis"})
        if policy == "sp" and form.get("client_id") != st.args.client_id:
            return self.reply(400, {"error": "invalid_client",
                                    "error_description": "no federation policy for this client"})
        if policy == "account" and "client_id" in form:
            return self.reply(400, {"error": "invalid_client",
                                    "error_description": "account-wide federation takes no client_id"})
        if not (st.args.jwt and secrets.compare_digest(form["subject_token"], st.args.jwt)):
            return self.reply(401, {"error": "invalid_grant",
                                    "error_description": "the subject token does not match any federation policy"})
        return self.token_reply("exchange")

    def entra_token(self, method, path, body):
        """Microsoft Entra ID (v1 endpoint): client credentials for a resource."""
        st = self.state
        self.entry["auth"] = "entra"
        form = self.form(body) if method == "POST" else None
        if path != f"/{st.args.azure_tenant}/oauth2/token":
            return self.reply(400, {"error": "invalid_request",
                                    "error_description": "AADSTS90002: Tenant not found."})
        if form is None or form.get("grant_type") != "client_credentials" or \
                form.get("resource") != AZURE_DATABRICKS or set(form) != {
                    "grant_type", "client_id", "client_secret", "resource"}:
            return self.reply(400, {"error": "invalid_request",
                                    "error_description": "AADSTS900144: bad request"})
        if not (form["client_id"] == st.args.client_id and
                secrets.compare_digest(form["client_secret"], st.args.azure_secret)):
            return self.reply(401, {"error": "invalid_client",
                                    "error_description": "AADSTS7000215: Invalid client secret provided."})
        tok = st.issue("aad")
        self.entry["issued"] = tok
        return self.reply(200, {"token_type": "Bearer", "expires_in": "3599", "ext_expires_in": "3599",
                                "expires_on": str(int(time.time()) + 3599), "resource": AZURE_DATABRICKS,
                                "access_token": tok})

    def token(self, method, body):
        st = self.state
        if method != "POST":
            return self.reply(405, {"error": "invalid_request"})
        form = self.form(body)
        if form and form.get("grant_type") == EXCHANGE:
            return self.exchange(form)
        if form != {
                "grant_type": "client_credentials", "scope": "all-apis"}:
            return self.reply(400, {"error": "invalid_request",
                                    "error_description": "expected grant_type=client_credentials&scope=all-apis"})
        auth = self.headers.get("Authorization", "")
        ok = False
        if auth.startswith("Basic "):
            try:
                raw = base64.b64decode(auth[6:], validate=True).decode()
                cid, _, csec = raw.partition(":")
                cid, csec = urllib.parse.unquote_plus(cid), urllib.parse.unquote_plus(csec)
                ok = (secrets.compare_digest(cid, st.args.client_id)
                      and secrets.compare_digest(csec, st.args.client_secret))
            except (binascii.Error, UnicodeDecodeError):
                ok = False
        self.entry["auth"] = "basic"
        if not ok:
            return self.reply(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
        return self.token_reply("m2m")

    def me(self):
        sc = self.state.scenario
        if sc.get("me_status"):
            return self.error(sc["me_status"], "PERMISSION_DENIED", "not allowed")
        human = self.entry.get("auth") in ("pat", "cli")
        name = self.state.args.pat_user if human else self.state.args.sp_name
        return self.reply(200, {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                "id": "7081", "userName": name, "displayName": "lakets job",
                                "active": True})

    def postgres_get(self, rest, query):
        page = query.get("page_token", [None])[0]
        if rest == f"projects/{PROJECT}/branches":
            if page is None:
                return self.reply(200, {"branches": BRANCHES[:1], "next_page_token": "page-2"})
            if page == "page-2":
                return self.reply(200, {"branches": BRANCHES[1:]})
            return self.error(400, "INVALID_PARAMETER_VALUE", "bad page_token")
        if rest.startswith("projects/") and rest.endswith("/branches"):
            return self.error(404, "NOT_FOUND", "project not found")
        if rest.endswith("/endpoints"):
            eps = ENDPOINTS.get(rest[:-len("/endpoints")])
            if eps is None:
                return self.error(404, "NOT_FOUND", "branch not found")
            return self.reply(200, {"endpoints": eps})
        for eps in ENDPOINTS.values():
            for e in eps:
                if e["name"] == rest:
                    if rest == PRIMARY:
                        e = json.loads(json.dumps(e))
                        e["status"].update(self.state.next_state("endpoint_states"))
                        e["status"] = {k: v for k, v in e["status"].items() if v is not None}
                        self.entry["state"] = e["status"].get("current_state")
                    return self.reply(200, e)
        return self.error(404, "NOT_FOUND", f"{rest} not found")

    def credential(self, expiry_field):
        st = self.state
        sc = st.scenario
        with st.lock:
            st.creds += 1
            n = st.creds
        if sc.get("predictable_tokens"):
            tok = f"pgcred-{n}"
        else:
            tok = f"pgcred-{n}-" + secrets.token_hex(12)
        if sc.get("rotate_password", True):
            role = sc.get("password_role") or st.args.sp_name
            # set the role's password to the token before handing it out
            script = "ALTER ROLE :\"r\" PASSWORD :'p';\n"
            r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres",
                                "-v", f"r={role}", "-v", f"p={tok}", "-f", "-"],
                               input=script, text=True, capture_output=True)
            if r.returncode != 0:
                sys.stderr.write(f"mock: could not set password of {role}: {r.stderr}\n")
                return self.error(500, "INTERNAL_ERROR", "mock could not rotate the password")
        self.entry["issued"] = tok
        exp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        return self.reply(200, {"token": tok, expiry_field: exp})

    def do_GET(self):
        self.handle_one("GET")

    def do_POST(self):
        self.handle_one("POST")

    def do_DELETE(self):
        self.handle_one("DELETE")


class Server(ThreadingHTTPServer):
    role = "databricks"

    """TLS handshakes happen in the request threads, so a client that never
    finishes one (or refuses our certificate) cannot stall the others."""
    daemon_threads = True

    def finish_request(self, request, client_address):
        request.settimeout(30)
        try:
            conn = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            try:
                conn.close()
            except OSError:
                pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--client-secret", required=True)
    ap.add_argument("--pat", default="")
    ap.add_argument("--sp-name", required=True, help="userName of the service principal")
    ap.add_argument("--pat-user", default="lakets-user@example.com")
    ap.add_argument("--idp-port-file", help="also play Microsoft Entra ID, on a port written here")
    ap.add_argument("--azure-tenant", default="00000000-0000-0000-0000-00000000a2e0")
    args = ap.parse_args()
    # secrets arrive through the environment in tests, like the helper's
    if args.client_secret == "ENV":
        args.client_secret = os.environ["MOCK_CLIENT_SECRET"]
    if args.pat == "ENV":
        args.pat = os.environ.get("MOCK_PAT", "")
    args.jwt = os.environ.get("MOCK_JWT", "")  # the identity token federation accepts
    args.azure_secret = os.environ.get("MOCK_AZURE_SECRET", "")
    args.cli_token = os.environ.get("MOCK_CLI_TOKEN", "")

    state = State(args)
    servers = [(Server, args.port_file)]
    if args.idp_port_file:
        class Entra(Server):
            role = "entra"
        servers.append((Entra, args.idp_port_file))
    running = []
    for cls, port_file in servers:
        srv = cls(("127.0.0.1", 0), Handler)
        srv.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        srv.tls.load_cert_chain(args.cert, args.key)
        srv.state = state
        running.append((srv, port_file))
    for srv, port_file in running[1:]:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        write_port(srv, port_file)
    write_port(running[0][0], running[0][1])
    try:
        running[0][0].serve_forever()
    except KeyboardInterrupt:
        pass


def write_port(srv, port_file):
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, port_file)


if __name__ == "__main__":
    main()
