#!/usr/bin/env python3
"""Scan synthesized stacks with Checkov (terraform_json) and fail on any finding not accepted.

Usage: check-security.py <accepted.json> <synth-outdir> [<synth-outdir> ...]

Accepted findings live in scripts/checkov-accepted.json, each limited to a resource pattern (fnmatch
on `type.name`) and with a written reason; they are printed on every run so they stay visible.
Checkov runs offline (--skip-download); its platform mappings are not fetched.
"""
import fnmatch
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile


def main(accepted_file, outdirs):
    with open(accepted_file) as f:
        accepted = json.load(f)["accepted"]
    for a in accepted:
        if len(a.get("reason", "")) < 20:
            print(f"accepted finding {a['check']} {a['resource']} needs a written reason")
            return 1
    work = tempfile.mkdtemp()
    try:
        count = 0
        for outdir in outdirs:
            tag = os.path.basename(os.path.normpath(outdir))
            for path in sorted(glob.glob(os.path.join(outdir, "stacks", "*", "cdk.tf.json"))):
                stack = os.path.basename(os.path.dirname(path))
                shutil.copy(path, os.path.join(work, f"{tag}--{stack}.tf.json"))
                count += 1
        if count == 0:
            print("no synthesized stacks found")
            return 1
        env = dict(os.environ, BC_SKIP_MAPPING="TRUE")
        run = subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), "checkov"), "-d", work, "--framework", "terraform_json",
             "--quiet", "--skip-download", "-o", "json"],
            capture_output=True, text=True, env=env)
        report = json.loads(run.stdout) if run.stdout.strip() else None
        if report is None:
            print(run.stderr[-2000:])
            return 1
        if isinstance(report, list):
            report = report[0]
        failed = report["results"].get("failed_checks", [])
        summary = report["summary"]
        unexpected = []
        for c in failed:
            match = next((a for a in accepted if a["check"] == c["check_id"] and fnmatch.fnmatch(c["resource"], a["resource"])), None)
            where = f"{c['file_path'].lstrip('/')}: {c['resource']}"
            if match:
                print(f"accepted {c['check_id']} {where} -- {match['reason']}")
            else:
                unexpected.append(f"FAIL {c['check_id']} {c['check_name']}\n     {where}")
        for u in unexpected:
            print(u)
        print(f"checkov over {count} stacks: {summary['passed']} checks passed, {len(failed) - len(unexpected)} accepted, {len(unexpected)} unexpected")
        print(f"{summary['passed']} passed, {len(unexpected)} failed")
        return 1 if unexpected else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
