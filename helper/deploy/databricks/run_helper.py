"""Run lakets-helper from a Databricks job task (helper/deploy/databricks).

Copies bin/lakets-helper (and bin/lib, the libraries it needs that the
serverless environment lacks) out of the bundle's files, which keep no exec
bit, reads the service principal's OAuth secret from the secret scope, and
runs the helper with the secret in its environment only.  Exit status 5
(partial success) is logged and the task succeeds; anything else but 0
fails the task.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

from databricks.sdk import WorkspaceClient
from databricks.sdk.runtime import dbutils


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--secret-scope", required=True)
    ap.add_argument("--secret-key", required=True)
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--project", required=True)
    ap.add_argument("helper_args", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    args = a.helper_args[1:] if a.helper_args[:1] == ["--"] else a.helper_args

    here = os.path.dirname(os.path.abspath(__file__))
    work = tempfile.mkdtemp(prefix="lakets-helper-")
    helper = os.path.join(work, "lakets-helper")
    shutil.copyfile(os.path.join(here, "bin", "lakets-helper"), helper)
    os.chmod(helper, 0o700)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": work,
        # the job's own workspace, as the SDK finds it in the runtime
        "DATABRICKS_HOST": WorkspaceClient().config.host,
        "DATABRICKS_CLIENT_ID": a.client_id,
        "DATABRICKS_CLIENT_SECRET": dbutils.secrets.get(a.secret_scope, a.secret_key),
        "LAKETS_PROJECT": a.project,
        "LAKETS_DEADLINE": "19min",
    }
    lib = os.path.join(here, "bin", "lib")
    if os.path.isdir(lib):
        env["LD_LIBRARY_PATH"] = lib
    rc = subprocess.run([helper, *args], env=env).returncode
    if rc == 5:
        print("lakets-helper: partial success (see the warnings above)", file=sys.stderr)
    elif rc != 0:
        raise SystemExit(f"lakets-helper failed with exit status {rc}")


if __name__ == "__main__":
    main()
