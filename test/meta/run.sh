#!/usr/bin/env bash
# META.json against the PGXN Meta Spec 1.0.0 (the rules "pgxn validate"
# applies: required keys, semantic versions, provides, prereqs, license), and
# the version it states against lakets.control and debian/changelog.
set -uo pipefail
cd "$(dirname "$0")/../.."
python3 - <<'PY'
import json, re, sys

passed = failed = 0
def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok - {name}")
    else:
        failed += 1
        print(f"not ok - {name}{': ' + detail if detail else ''}")

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+)?$")
LICENSES = {"agpl_3", "apache_1_1", "apache_2_0", "artistic_1", "artistic_2", "bsd",
            "freebsd", "gfdl_1_2", "gfdl_1_3", "gpl_1", "gpl_2", "gpl_3", "lgpl_2_1",
            "lgpl_3_0", "mit", "mozilla_1_0", "mozilla_1_1", "openssl", "perl_5",
            "postgresql", "qpl_1_0", "ssleay", "sun", "zlib", "open_source",
            "restricted", "unrestricted", "unknown"}
PHASES = {"configure", "build", "test", "runtime", "develop"}
RELATIONS = {"requires", "recommends", "suggests", "conflicts"}
VERSION_RANGE = re.compile(r"^\s*((>=|<=|>|<|==|!=)\s*)?\d+(\.\d+){0,2}\S*\s*$")

try:
    meta = json.load(open("META.json"))
    check("META.json is JSON", True)
except Exception as e:
    check("META.json is JSON", False, str(e))
    print(f"meta: {passed} passed, {failed} failed")
    sys.exit(1)

for key in ("name", "abstract", "maintainer", "license", "provides", "meta-spec", "version"):
    check(f"required key {key}", key in meta)
check("name has no spaces or slashes", bool(re.fullmatch(r"[^\s/\\]{2,}", meta.get("name", ""))))
check("version is semantic", bool(SEMVER.match(meta.get("version", ""))), meta.get("version", ""))
spec = meta.get("meta-spec", {})
check("meta-spec version 1.0.0", spec.get("version") == "1.0.0")
m = meta.get("maintainer")
check("maintainer is a string or a list of strings",
      isinstance(m, str) or (isinstance(m, list) and m and all(isinstance(x, str) for x in m)))
lic = meta.get("license")
lics = [lic] if isinstance(lic, str) else (list(lic) if isinstance(lic, list) else list((lic or {}).keys()))
check("license is a PGXN license name", bool(lics) and all(l in LICENSES for l in lics), str(lic))
prov = meta.get("provides", {})
check("provides names at least one extension", isinstance(prov, dict) and len(prov) > 0)
for ext, p in prov.items():
    check(f"provides.{ext} has a file that exists", "file" in p and __import__("os").path.exists(p["file"]), p.get("file", ""))
    check(f"provides.{ext} version is semantic", bool(SEMVER.match(p.get("version", ""))))
for phase, rels in meta.get("prereqs", {}).items():
    check(f"prereqs phase {phase} is known", phase in PHASES)
    for rel, deps in rels.items():
        check(f"prereqs {phase}.{rel} is a known relation", rel in RELATIONS)
        for dep, ver in deps.items():
            check(f"prereqs {phase}.{rel}.{dep} is a version or range",
                  isinstance(ver, (str, int)) and all(VERSION_RANGE.match(str(v)) for v in str(ver).split(",")))
unknown = set(meta) - {"name", "abstract", "maintainer", "license", "provides", "meta-spec",
                       "version", "description", "generated_by", "tags", "no_index",
                       "prereqs", "release_status", "resources"}
check("no unknown top-level keys (custom ones start with x_ or X_)",
      all(k.lower().startswith("x_") for k in unknown), ", ".join(sorted(unknown)))
check("release_status, if given, is stable, testing or unstable",
      meta.get("release_status", "stable") in ("stable", "testing", "unstable"))

control = open("lakets.control").read()
default = re.search(r"default_version\s*=\s*'([^']+)'", control).group(1)
check("META.json version is lakets.control's default_version",
      meta.get("version", "") in (default, default + ".0"), f"{meta.get('version')} vs {default}")
changelog = open("debian/changelog").readline()
deb = re.match(r"\S+ \(([^)-]+)", changelog).group(1)
check("META.json version is debian/changelog's", meta.get("version") == deb, f"{meta.get('version')} vs {deb}")
print(f"meta: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
