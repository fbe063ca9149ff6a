#!/usr/bin/env python3
"""Checks of the deploy examples in helper/deploy, for test/helper/run.sh.

  check_deploy.py docker HELPER DOCKERFILE
      The runtime stage's apt-get line installs exactly the Debian packages
      of the libraries the binary links directly (readelf NEEDED, found with
      ldd, owned per dpkg -S), libc6 aside, plus ca-certificates; and every
      library ldd lists comes from those packages or their dependencies.
  check_deploy.py kubernetes FILE
  check_deploy.py databricks FILE
  check_deploy.py cron CRONFILE LOGROTATEFILE
      The YAML parses (python3-yaml) and says what the examples promise.

Prints one line per problem; exits 1 if there was any.
"""

import os
import re
import shlex
import subprocess
import sys

problems = []


def problem(msg):
    problems.append(msg)
    print(msg)


# ---- docker ---------------------------------------------------------------

def runtime_packages(dockerfile):
    """Packages of the apt-get install in the last stage, and its comment's list."""
    text = open(dockerfile).read().replace("\\\n", " ")
    stage = re.split(r"(?m)^FROM\s", text)[-1]
    installs = re.findall(r"apt-get install ([^&\n]*)", stage)
    if len(installs) != 1:
        problem(f"the runtime stage has {len(installs)} apt-get install commands, expected one")
        return set(), set()
    pkgs = {w for w in shlex.split(installs[0]) if not w.startswith("-")}
    comment = re.search(r"(?m)^# runtime packages: (.*)$", stage)
    return pkgs, set(comment.group(1).split()) if comment else set()


def owner(path):
    """The Debian package that owns a file (merged-/usr paths tried both ways)."""
    cands = [path, os.path.realpath(path)]
    for p in list(cands):
        if p.startswith("/lib"):
            cands.append("/usr" + p)
        elif p.startswith("/usr/lib"):
            cands.append(p[4:])
    for p in cands:
        r = subprocess.run(["dpkg", "-S", p], capture_output=True, text=True)
        if r.returncode == 0:
            return r.stdout.split(":")[0].strip()
    return None


def base_name(pkg):
    """Debian 13 renamed libraries for 64-bit time_t (libcurl4 -> libcurl4t64):
    the Dockerfile names its base image's packages, the machine may be newer."""
    return pkg[:-3] if pkg.endswith("t64") else pkg


def installed_name(pkg):
    """pkg, or its t64 name where only that one is installed here."""
    for p in (pkg, pkg + "t64"):
        r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", p],
                           capture_output=True, text=True)
        if r.returncode == 0 and "install ok installed" in r.stdout:
            return p
    return pkg


def depends_closure(roots):
    """Installed packages reachable from roots through Depends and Pre-Depends."""
    seen, todo = set(), [installed_name(p) for p in roots]
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        r = subprocess.run(["dpkg-query", "-W", "-f=${Depends}, ${Pre-Depends}", p],
                           capture_output=True, text=True)
        for alt in r.stdout.split(","):
            for name in alt.split("|"):
                name = re.sub(r"\(.*?\)|:any|:\S+", "", name).strip()
                if name:
                    todo.append(name)
    return seen


def check_docker(helper, dockerfile):
    listed, commented = runtime_packages(dockerfile)
    if commented != listed:
        problem(f"the '# runtime packages:' comment says {sorted(commented)}, apt-get installs {sorted(listed)}")
    needed = re.findall(r"\(NEEDED\).*\[(.*)\]", subprocess.run(
        ["readelf", "-d", helper], capture_output=True, text=True, check=True).stdout)
    paths = dict(re.findall(r"^\s*(\S+) => (\S+)", subprocess.run(
        ["ldd", helper], capture_output=True, text=True, check=True).stdout, re.M))
    direct = set()
    for lib in needed:
        pkg = owner(paths.get(lib, lib))
        if pkg is None:
            problem(f"no Debian package owns {lib} ({paths.get(lib)})")
        else:
            direct.add(base_name(pkg))
    want = (direct - {"libc6"}) | {"ca-certificates"}
    if listed != want:
        problem(f"the runtime stage installs {sorted(listed)}; the binary needs {sorted(want)} "
                f"(direct libraries: {', '.join(needed)})")
    closure = depends_closure(listed | {"libc6"})
    for lib, path in sorted(paths.items()):
        pkg = owner(path)
        if pkg is not None and pkg not in closure:
            problem(f"{lib} comes from {pkg}, which no runtime package depends on")
    print(f"docker: runtime packages {' '.join(sorted(listed))}; "
          f"{len(needed)} direct and {len(paths)} libraries in all checked")


# ---- kubernetes --------------------------------------------------------------

def check_kubernetes(path):
    import yaml  # python3-yaml; only the YAML checks need it
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    kinds = [d.get("kind") for d in docs]
    if "Secret" in kinds:
        problem("the manifest holds a Secret: workload identity needs none")
    cron = [d for d in docs if d.get("kind") == "CronJob"]
    if len(cron) != 1:
        problem(f"expected one CronJob, found {len(cron)}")
        return
    job = cron[0]["spec"]["jobTemplate"]["spec"]
    pod = job["template"]["spec"]
    if pod.get("restartPolicy") != "Never":
        problem("restartPolicy must be Never (a failed run is retried by the Job, not in place)")
    (c,) = pod["containers"]
    if "--partial-ok" not in c.get("args", []):
        problem("a Job knows exit 0 only: the helper needs --partial-ok")
    env = {e["name"]: e for e in c.get("env", [])}
    for name, e in env.items():
        if "valueFrom" in e or re.search(r"SECRET|TOKEN$", name):
            problem(f"environment variable {name} carries a secret")
    tokfile = env.get("DATABRICKS_OIDC_TOKEN_FILEPATH", {}).get("value")
    if env.get("DATABRICKS_AUTH_TYPE", {}).get("value") != "file-oidc" or not tokfile:
        problem("the helper must use file-oidc with DATABRICKS_OIDC_TOKEN_FILEPATH")
        return
    mounts = {m["name"]: m["mountPath"] for m in c.get("volumeMounts", [])}
    ok = False
    for v in pod.get("volumes", []):
        for src in v.get("projected", {}).get("sources", []):
            sat = src.get("serviceAccountToken")
            if sat and v["name"] in mounts and \
                    os.path.join(mounts[v["name"]], sat["path"]) == tokfile and sat.get("audience"):
                ok = True
    if not ok:
        problem(f"no projected service account token with an audience at {tokfile}")
    if pod.get("serviceAccountName") not in [d["metadata"]["name"] for d in docs if d.get("kind") == "ServiceAccount"]:
        problem("the pod's service account is not in the manifest")
    for rule in job.get("podFailurePolicy", {}).get("rules", []):
        codes = rule.get("onExitCodes", {}).get("values", [])
        if not set(codes) <= {1, 2, 3, 4, 5, 6}:
            problem(f"podFailurePolicy names exit codes lakets-helper does not have: {codes}")
    if not c.get("image"):
        problem("the container has no image")
    print(f"kubernetes: {', '.join(kinds)}; image {c.get('image')}; token at {tokfile}")


# ---- databricks ---------------------------------------------------------------

def check_databricks(path):
    import yaml
    b = yaml.safe_load(open(path))
    jobs = b.get("resources", {}).get("jobs", {})
    if len(jobs) != 1:
        problem(f"expected one job, found {len(jobs)}")
        return
    (job,) = jobs.values()
    if job.get("job_clusters"):
        problem("the job defines job_clusters: no classic cluster wanted")
    envs = {e["environment_key"] for e in job.get("environments", [])}
    for t in job.get("tasks", []):
        for k in ("new_cluster", "existing_cluster_id", "job_cluster_key"):
            if k in t:
                problem(f"task {t['task_key']} runs on a classic cluster ({k})")
        if t.get("environment_key") not in envs:
            problem(f"task {t['task_key']} has no serverless environment")
        py = t.get("spark_python_task", {}).get("python_file")
        if py and not os.path.exists(os.path.join(os.path.dirname(path), py)):
            problem(f"task {t['task_key']} runs {py}, which is not next to the bundle")
    cron = job.get("schedule", {}).get("quartz_cron_expression", "")
    if cron.split()[1:2] != ["0/15"]:
        problem(f"the schedule {cron!r} is not every 15 minutes")
    if job.get("max_concurrent_runs") != 1:
        problem("max_concurrent_runs must be 1")
    prod = b.get("targets", {}).get("prod", {})
    if "service_principal_name" not in prod.get("run_as", {}):
        problem("the prod target must run as the service principal")
    text = open(path).read()
    if "put-acl" not in text or "READ" not in text:
        problem("the secret scope permission (READ, put-acl) is not stated")
    print(f"databricks: job {job.get('name')!r}, {len(job.get('tasks', []))} task(s) on serverless, schedule {cron}")


# ---- cron ---------------------------------------------------------------------

FIELD = r"(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*"
RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def check_cron(cronfile, logrotate):
    jobs = 0
    logs = set()
    for n, line in enumerate(open(cronfile), 1):
        line = line.strip()
        if not line or line.startswith("#") or re.match(r"^[A-Z_]+=", line):
            continue
        f = line.split(None, 6)
        if len(f) < 7:
            problem(f"{cronfile}:{n}: a /etc/cron.d line needs 5 time fields, a user and a command")
            continue
        for field, (lo, hi) in zip(f[:5], RANGES):
            if not re.fullmatch(FIELD, field) or any(
                    not lo <= int(x) <= hi for x in re.findall(r"(?<![/\d])\d+", field)):
                problem(f"{cronfile}:{n}: bad time field {field!r}")
        jobs += 1
        logs.update(re.findall(r">>\s*(\S+)", f[6]))
    rotated = set(re.findall(r"(?m)^(/\S+)\s*\{", open(logrotate).read()))
    if jobs == 0:
        problem("no cron job line")
    if not logs or not logs <= rotated:
        problem(f"logs written {sorted(logs)}, logs rotated {sorted(rotated)}")
    print(f"cron: {jobs} job line(s); logs {' '.join(sorted(logs))} rotated")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"docker": check_docker, "kubernetes": check_kubernetes,
     "databricks": check_databricks, "cron": check_cron}[cmd](*args)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
