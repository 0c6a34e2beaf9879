#!/usr/bin/env python3
"""Parse every SQL string in synthesized stacks with SQLFluff's Snowflake grammar.

Usage: check-sql.py <synth-outdir> [...]

Walks each outdir's stacks/*/cdk.tf.json and checks:
  - snowflake_pipe.copy_statement            (COPY INTO ... FROM (SELECT ... FROM @stage) ...)
  - snowflake_view.statement                 (wrapped as CREATE VIEW <name> AS <statement>)
  - snowflake_task.sql_statement              (single statements and Snowflake Scripting blocks)
  - snowflake_procedure_sql.procedure_definition (a Snowflake Scripting block; the provider adds the $$)
  - snowflake_execute.execute / .revert / .query (and the block inside EXECUTE IMMEDIATE $$ … $$,
    which the grammar would otherwise take as an opaque string)
and the SQL the CLI sends rather than the stacks hold, when the outdir has it (see scripts/checks.sh):
  - backfill-sql.json (node dist/tools/backfill-sql.js): `lakehouse backfill`'s COPY, progress DML and queries;
  - restore-sql.json (node dist/tools/restore-sql.js): `lakehouse restore`'s restore table, already-loaded
    query and COPY.
Any unparsable section fails the run, naming the stack, the resource and the SQL.
"""
import glob
import json
import os
import re
import sys

import sqlfluff
from sqlfluff.api.simple import APIParsingError


EXECUTE_IMMEDIATE = re.compile(r"^EXECUTE IMMEDIATE \$\$\n([\s\S]*)\n\$\$$")


def statements(stack_json):
    resources = stack_json.get("resource", {})
    for name, pipe in resources.get("snowflake_pipe", {}).items():
        yield f"snowflake_pipe.{name}.copy_statement", pipe["copy_statement"]
    for name, view in resources.get("snowflake_view", {}).items():
        yield f"snowflake_view.{name}.statement", f"CREATE VIEW {view['database']}.{view['schema']}.{view['name']} AS {view['statement']}"
    for name, task in resources.get("snowflake_task", {}).items():
        yield f"snowflake_task.{name}.sql_statement", task["sql_statement"]
    for name, proc in resources.get("snowflake_procedure_sql", {}).items():
        yield f"snowflake_procedure_sql.{name}.procedure_definition", proc["procedure_definition"]
    for name, ex in resources.get("snowflake_execute", {}).items():
        for field in ("execute", "revert", "query"):
            if ex.get(field):
                yield f"snowflake_execute.{name}.{field}", ex[field]
                inner = EXECUTE_IMMEDIATE.match(ex[field])
                if inner:
                    yield f"snowflake_execute.{name}.{field} (EXECUTE IMMEDIATE body)", inner.group(1)


CLI_SQL = {"backfill": "backfill-sql.json", "restore": "restore-sql.json"}


def cli_statements(outdir):
    """Statements of the CLI's commands written beside the stacks: {"statements": [{"kind", "where", "sql"}]}."""
    for command, name in CLI_SQL.items():
        path = os.path.join(outdir, name)
        if not os.path.exists(path):
            continue
        with open(path) as f:
            listed = json.load(f)["statements"]
        if not listed:
            raise SystemExit(f"{path}: no statements")
        for s in listed:
            yield f"{command} {s['kind']} ({s['where']})", s["sql"]


def sections(outdir, failures):
    """Every SQL string under an outdir, with where it stands: the CLI's statements, then the stacks'."""
    for where, sql in cli_statements(outdir):
        yield f"{outdir}: {where}", sql
    files = sorted(glob.glob(os.path.join(outdir, "stacks", "*", "cdk.tf.json")))
    if not files:
        failures.append(f"{outdir}: no synthesized stacks found")
    for path in files:
        stack = os.path.basename(os.path.dirname(path))
        with open(path) as f:
            data = json.load(f)
        for where, sql in statements(data):
            yield f"{stack}: {where}", sql


def main(outdirs):
    checked = 0
    failures = []
    for outdir in outdirs:
        for where, sql in sections(outdir, failures):
            checked += 1
            try:
                sqlfluff.parse(sql, dialect="snowflake")
            except APIParsingError as e:
                failures.append(f"{where}: {e}\n{sql}")
    for failure in failures:
        print(f"FAIL {failure}\n")
    print(f"{checked - len(failures)} passed, {len(failures)} failed")
    if checked == 0:
        print("no SQL found to check")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
