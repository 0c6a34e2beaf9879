"""The logic of the SQL the monitoring modules emit, tested on data.

The statements are taken from a real synth of the default example (LAKEHOUSE_SYNTH_OUT), transpiled
from Snowflake SQL to DuckDB with sqlglot, and run on an in-memory DuckDB holding the same tables.
What is tested is the logic of the shipped statements (windows, suppression, purge); Snowflake's own
execution is not reachable from here.
"""
import functools
import glob
import json
import os
import re
import time

import duckdb
import pytest
import sqlglot

OUT = os.environ.get("LAKEHOUSE_SYNTH_OUT", "")


@functools.cache
def tasks():
    found = {}
    for path in glob.glob(os.path.join(OUT, "stacks", "*", "cdk.tf.json")):
        with open(path) as f:
            for task in json.load(f).get("resource", {}).get("snowflake_task", {}).values():
                found[f"{task['database']}.{task['schema']}.{task['name']}"] = task["sql_statement"]
    return found


def statements(body):
    """The statements of a task body: a Snowflake Scripting block's, or the single statement."""
    body = body.strip()
    if body.startswith("BEGIN"):
        body = re.sub(r"^BEGIN\s*|\s*END$", "", body)
        return [s.strip() for s in body.split(";\n") if s.strip().rstrip(";")]
    return [body]


# FLATTEN over a JSON array (every element, no MODE) as sqlglot writes it, and what DuckDB runs instead.
FLATTEN_ALL = re.compile(r",\s+CROSS JOIN UNNEST\(INPUT => ([\w.]+)\) AS (\w+)\(SEQ, KEY, PATH, INDEX, VALUE, THIS\)")


def to_duckdb(sql):
    out = sqlglot.transpile(sql.rstrip(";"), read="snowflake", write="duckdb")[0]
    # A VARIANT path cast to text is DuckDB's ->> (CAST(json AS TEXT) would keep the quotes Snowflake drops).
    out = re.sub(r"CAST\(([\w.]+) -> ('(?:[^']|'')*') AS TEXT\)", r"(\1 ->> \2)", out)
    return FLATTEN_ALL.sub(lambda m: f" CROSS JOIN LATERAL (SELECT u.value AS VALUE FROM json_each({m.group(1)}) AS u) AS {m.group(2)}", out)


@pytest.fixture()
def db():
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS ACME_LOGS_PROD")
    for schema in ["MONITORING", "GLOBEX", "HOOLI", "INITECH", "UMBRELLA"]:
        con.execute(f"CREATE SCHEMA ACME_LOGS_PROD.{schema}")
    # The alert store's tables, with the columns of the synthesized ones.
    for name, columns in store_columns().items():
        con.execute(f"CREATE TABLE ACME_LOGS_PROD.MONITORING.{name} ({', '.join(columns)})")
    for table in ["GLOBEX.OKTA", "GLOBEX.GSUITE_AUDIT", "INITECH.OKTA"]:
        con.execute(f"CREATE TABLE ACME_LOGS_PROD.{table} (DATA VARCHAR, PARSE_TIME TIMESTAMPTZ, EVENT_TIME TIMESTAMPTZ, SOURCE_FILE VARCHAR, SOURCE_FILE_ROW BIGINT)")
    # Pipes are RUNNING unless a test says otherwise.
    con.execute("""CREATE MACRO "SYSTEM$PIPE_STATUS"(p) AS '{"executionState":"RUNNING","pendingFileCount":0}'""")
    return con


DUCK_COLUMN_TYPES = {"TIMESTAMP_LTZ": "TIMESTAMPTZ", "VARCHAR": "VARCHAR"}


def store_columns():
    """ALERTS, ALERT_SUPPRESSIONS and MONITOR_EVENTS as the platform stack makes them (name → DuckDB columns)."""
    with open(os.path.join(OUT, "stacks", "platform-prod", "cdk.tf.json")) as f:
        found = json.load(f)["resource"]["snowflake_table"]
    tables = {t["name"]: t for t in found.values() if t["schema"] == "MONITORING" and t["provider"] == "snowflake.us_east_1"}
    return {name: [f"{c['name']} {DUCK_COLUMN_TYPES[c['type'].split('(')[0]]}" for c in t["column"]] for name, t in tables.items()}


class Refused(Exception):
    """A tenant's alert procedure refused the call (RAISE refused)."""


def procedures():
    return synth_resources("snowflake_procedure_sql")


def literal_of(value):
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def top_level_split(text):
    """`a, (b, c), 'd,e'` → ['a', '(b, c)', "'d,e'"]."""
    parts, depth, quote, current = [], 0, False, ""
    for ch in text:
        if ch == "'" :
            quote = not quote
        elif not quote and ch == "(":
            depth += 1
        elif not quote and ch == ")":
            depth -= 1
        elif not quote and depth == 0 and ch == ",":
            parts.append(current.strip())
            current = ""
            continue
        current += ch
    parts.append(current.strip())
    return parts


def call(con, sql):
    """Runs `CALL <tenant alert procedure>(…)` as Snowflake would: the arguments evaluated (the MESSAGE
    a scalar subquery), then the procedure's body from the synth — its guard, which raises `Refused`,
    and its statements with the arguments bound."""
    m = re.match(r"^CALL ([\w.$]+)\(([\s\S]*)\)$", sql.strip().rstrip(";"))
    assert m, f"not a CALL: {sql}"
    name, args = m.group(1), top_level_split(m.group(2))
    procedure = procedures()[name]
    names = [a["arg_name"] for a in procedure["arguments"]]
    assert len(args) == len(names), f"{name} takes {names}, got {args}"
    values = con.execute(to_duckdb("SELECT " + ", ".join(f"({a})" for a in args))).fetchone()
    bound = dict(zip(names, values))
    body = procedure["procedure_definition"]
    guard = re.search(r"IF \(NOT COALESCE\((.*), FALSE\)\) THEN\n\s*RAISE refused;\n\s*END IF;\n", body)
    assert guard, "the procedure checks its arguments first"
    condition = guard.group(1)
    for arg in sorted(names, key=len, reverse=True):
        condition = re.sub(rf"(?<![\w.:']){arg}\b", literal_of(bound[arg]), condition)
    if con.execute(to_duckdb(f"SELECT NOT COALESCE({condition}, FALSE)")).fetchone()[0]:
        raise Refused(f"{name}{tuple(values)}")
    rest = body[guard.end():body.index("\n  RETURN ")]
    for statement in [x.strip() for x in rest.split(";\n") if x.strip().rstrip(";")]:
        for arg in sorted(names, key=len, reverse=True):
            statement = statement.replace(f":{arg}", literal_of(bound[arg]))
        con.execute(to_duckdb(statement))


def run_body(con, body):
    for sql in statements(body):
        if sql.startswith("CALL "):
            call(con, sql)
        else:
            con.execute(to_duckdb(sql))


def run(con, task):
    run_body(con, tasks()[task])


def alerts(con):
    return con.execute("SELECT KIND, TENANT, SUBJECT FROM ACME_LOGS_PROD.MONITORING.ALERTS ORDER BY ALERT_TIME").fetchall()


def load(con, table, loaded_minutes_ago, event_minutes_ago=None):
    event = "NULL" if event_minutes_ago is None else f"now() - INTERVAL {event_minutes_ago} MINUTE"
    con.execute(f"INSERT INTO ACME_LOGS_PROD.{table} VALUES ('{{}}', now() - INTERVAL {loaded_minutes_ago} MINUTE, {event}, 'f.json.gz', 1)")


CANARY = "ACME_LOGS_PROD.GLOBEX.OKTA_CANARY"  # window 30 minutes, suppression 1440 minutes


def test_the_synth_output_has_the_tasks():
    assert OUT, "LAKEHOUSE_SYNTH_OUT must name a synth output of the default example"
    assert CANARY in tasks()
    assert "ACME_LOGS_PROD.GLOBEX.OKTA_CLEANER" in tasks()


def test_an_empty_window_raises_exactly_one_alert_within_the_suppression_time(db):
    for _ in range(3):
        run(db, CANARY)
    assert alerts(db) == [("LOG_CANARY", "globex", "ACME_LOGS_PROD.GLOBEX.OKTA")]
    (until,) = db.execute("SELECT SUPPRESSED_UNTIL - ALERT_TIME FROM ACME_LOGS_PROD.MONITORING.ALERT_SUPPRESSIONS, ACME_LOGS_PROD.MONITORING.ALERTS").fetchone()
    assert until.total_seconds() == 1440 * 60


def test_the_canary_alerts_again_once_the_suppression_has_passed(db):
    run(db, CANARY)
    db.execute("UPDATE ACME_LOGS_PROD.MONITORING.ALERT_SUPPRESSIONS SET SUPPRESSED_UNTIL = now() - INTERVAL 1 MINUTE")
    db.execute("UPDATE ACME_LOGS_PROD.MONITORING.ALERTS SET ALERT_TIME = now() - INTERVAL 1441 MINUTE")
    run(db, CANARY)
    assert len(alerts(db)) == 2
    run(db, CANARY)
    assert len(alerts(db)) == 2


def test_rows_loaded_in_the_window_raise_nothing(db):
    load(db, "GLOBEX.OKTA", loaded_minutes_ago=10, event_minutes_ago=10)
    run(db, CANARY)
    assert alerts(db) == []


def test_late_arriving_events_count_by_load_time(db):
    # Loaded 5 minutes ago, but the events happened three days ago: the source is alive.
    load(db, "GLOBEX.OKTA", loaded_minutes_ago=5, event_minutes_ago=3 * 24 * 60)
    run(db, CANARY)
    assert alerts(db) == []


def test_rows_loaded_before_the_window_do_not_count(db):
    load(db, "GLOBEX.OKTA", loaded_minutes_ago=45)
    run(db, CANARY)
    assert len(alerts(db)) == 1


def test_a_canary_only_watches_and_suppresses_its_own_table(db):
    load(db, "GLOBEX.OKTA", loaded_minutes_ago=1)
    run(db, CANARY)
    run(db, "ACME_LOGS_PROD.INITECH.OKTA_CANARY")
    assert alerts(db) == [("LOG_CANARY", "initech", "ACME_LOGS_PROD.INITECH.OKTA")]
    subjects = db.execute("SELECT SUBJECT FROM ACME_LOGS_PROD.MONITORING.ALERT_SUPPRESSIONS").fetchall()
    assert subjects == [("ACME_LOGS_PROD.INITECH.OKTA",)]


def remaining(con, table):
    return con.execute(f"SELECT SOURCE_FILE FROM ACME_LOGS_PROD.{table} ORDER BY SOURCE_FILE").fetchall()


def put(con, table, name, loaded_days_ago, event_days_ago):
    event = "NULL" if event_days_ago is None else f"now() - INTERVAL {event_days_ago} DAY"
    con.execute(f"INSERT INTO ACME_LOGS_PROD.{table} VALUES ('{{}}', now() - INTERVAL {loaded_days_ago} DAY, {event}, '{name}', 1)")


def test_purge_by_load_time_removes_only_rows_loaded_before_the_retention(db):
    # GLOBEX.OKTA: tableRetentionDays 180, purgeOn load_time
    put(db, "GLOBEX.OKTA", "a-loaded-181-days-ago", 181, 1)
    put(db, "GLOBEX.OKTA", "b-loaded-179-days-ago", 179, 400)
    put(db, "GLOBEX.OKTA", "c-loaded-today", 0, None)
    run(db, "ACME_LOGS_PROD.GLOBEX.OKTA_CLEANER")
    assert remaining(db, "GLOBEX.OKTA") == [("b-loaded-179-days-ago",), ("c-loaded-today",)]


def test_the_harness_fails_on_wrong_logic(db):
    # Guard against a harness that cannot fail: a purge with the comparison reversed keeps the wrong rows.
    put(db, "GLOBEX.OKTA", "old", 200, None)
    put(db, "GLOBEX.OKTA", "new", 0, None)
    wrong = tasks()["ACME_LOGS_PROD.GLOBEX.OKTA_CLEANER"].replace("<", ">")
    db.execute(to_duckdb(wrong))
    assert remaining(db, "GLOBEX.OKTA") != [("new",)]


# ---- account monitors (SNOWFLAKE.ACCOUNT_USAGE views stood in for by tables of the same shape) ----
#
# Rows are written as Snowflake documents each view (ACCESS_HISTORY: objects_modified and
# object_modified_by_ddl as JSON, failed statements absent; QUERY_HISTORY: QUERY_TYPE and ROLE_NAME;
# TASK_HISTORY: the QUERY_ID of the statement a run executed), so a monitor is tested on what it would
# read, never on how a statement was spelled.

MONITORS = "ACME_LOGS_PROD.MONITORING."


@pytest.fixture()
def usage(db):
    db.execute("ATTACH ':memory:' AS SNOWFLAKE")
    db.execute("CREATE SCHEMA SNOWFLAKE.ACCOUNT_USAGE")
    db.execute("CREATE TABLE SNOWFLAKE.ACCOUNT_USAGE.COPY_HISTORY (FILE_NAME VARCHAR, TABLE_CATALOG_NAME VARCHAR, TABLE_SCHEMA_NAME VARCHAR, TABLE_NAME VARCHAR, STATUS VARCHAR, FIRST_ERROR_MESSAGE VARCHAR, LAST_LOAD_TIME TIMESTAMPTZ)")
    db.execute("CREATE TABLE SNOWFLAKE.ACCOUNT_USAGE.TASK_HISTORY (QUERY_ID VARCHAR, RUN_ID BIGINT, DATABASE_NAME VARCHAR, SCHEMA_NAME VARCHAR, NAME VARCHAR, STATE VARCHAR, ERROR_MESSAGE VARCHAR, SCHEDULED_TIME TIMESTAMPTZ, COMPLETED_TIME TIMESTAMPTZ)")
    db.execute("CREATE TABLE SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY (QUERY_ID VARCHAR, QUERY_TEXT VARCHAR, QUERY_TYPE VARCHAR, DATABASE_NAME VARCHAR, USER_NAME VARCHAR, ROLE_NAME VARCHAR, WAREHOUSE_NAME VARCHAR, EXECUTION_STATUS VARCHAR, TOTAL_ELAPSED_TIME BIGINT, START_TIME TIMESTAMPTZ, END_TIME TIMESTAMPTZ)")
    db.execute("CREATE TABLE SNOWFLAKE.ACCOUNT_USAGE.ACCESS_HISTORY (QUERY_ID VARCHAR, QUERY_START_TIME TIMESTAMPTZ, USER_NAME VARCHAR, DIRECT_OBJECTS_ACCESSED JSON, BASE_OBJECTS_ACCESSED JSON, OBJECTS_MODIFIED JSON, OBJECT_MODIFIED_BY_DDL JSON, POLICIES_REFERENCED JSON, PARENT_QUERY_ID VARCHAR, ROOT_QUERY_ID VARCHAR)")
    return db


def full_alerts(con):
    return con.execute("SELECT KIND, SEVERITY, TENANT, SUBJECT, MESSAGE FROM ACME_LOGS_PROD.MONITORING.ALERTS ORDER BY SUBJECT").fetchall()


def subjects(con):
    return sorted(a[3] for a in full_alerts(con))


def copy_history(con, file, table, status, error, minutes_ago):
    database, schema, name = table.split(".")
    con.execute("INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.COPY_HISTORY VALUES (?, ?, ?, ?, ?, ?, now() - to_minutes(?))", [file, database, schema, name, status, error, minutes_ago])


def test_load_failures_alert_once_per_table_with_every_failed_file(usage):
    copy_history(usage, "okta/a.json.gz", "ACME_LOGS_PROD.GLOBEX.OKTA", "Load failed", "bad json", 10)
    copy_history(usage, "okta/b.json.gz", "ACME_LOGS_PROD.GLOBEX.OKTA", "Partially loaded", "bad row", 20)
    copy_history(usage, "ct/c.json.gz", "ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL", "Loaded", None, 5)
    copy_history(usage, "x.json.gz", "OTHER_DB.X.Y", "Load failed", "not ours", 5)
    for _ in range(2):
        run(usage, MONITORS + "LOAD_FAILURES_MONITOR")
    [(kind, severity, tenant, subject, message)] = full_alerts(usage)
    assert (kind, severity, tenant, subject) == ("LOAD_FAILURE", "HIGH", "globex", "ACME_LOGS_PROD.GLOBEX.OKTA")
    assert "okta/a.json.gz" in message and "bad json" in message and "okta/b.json.gz" in message and "bad row" in message


def test_a_skipped_file_is_a_load_failure(usage):
    # ON_ERROR = SKIP_FILE (Snowpipe's default for transformation errors) records the file as skipped.
    copy_history(usage, "okta/skipped.json.gz", "ACME_LOGS_PROD.GLOBEX.OKTA", "Load skipped", "timestamp out of range", 10)
    run(usage, MONITORS + "LOAD_FAILURES_MONITOR")
    assert subjects(usage) == ["ACME_LOGS_PROD.GLOBEX.OKTA"]


def test_a_load_failure_that_copy_history_shows_two_days_late_is_still_caught(usage):
    # COPY_HISTORY lags up to 2 days for a table with fewer than 32 DML and 100 rows since its last
    # update (account usage overview, footnote 2): a source whose every file fails is such a table.
    copy_history(usage, "okta/late.json.gz", "ACME_LOGS_PROD.GLOBEX.OKTA", "Load failed", "bad json", 47 * 60)
    run(usage, MONITORS + "LOAD_FAILURES_MONITOR")
    assert subjects(usage) == ["ACME_LOGS_PROD.GLOBEX.OKTA"]


def task_run(con, task, state, minutes_ago=5, query_id=None, error=None):
    database, schema, name = task.split(".")
    con.execute(
        "INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.TASK_HISTORY VALUES (?, ?, ?, ?, ?, ?, ?, now() - to_minutes(? + 1), now() - to_minutes(?))",
        [query_id, int(time.time() * 1000) - minutes_ago * 60000, database, schema, name, state, error, minutes_ago, minutes_ago],
    )


def test_task_failures_alert_per_task(usage):
    task_run(usage, "ACME_LOGS_PROD.GLOBEX.OKTA_CANARY", "FAILED", error="table missing", query_id="t1")
    task_run(usage, "ACME_LOGS_PROD.GLOBEX.OKTA_CLEANER", "SUCCEEDED", query_id="t2")
    task_run(usage, "ACME_LOGS_PROD.MONITORING.LONG_QUERIES_MONITOR", "FAILED", error="no access", query_id="t3")
    run(usage, MONITORS + "TASK_FAILURES_MONITOR")
    assert [(a[2], a[3]) for a in full_alerts(usage)] == [
        ("globex", "ACME_LOGS_PROD.GLOBEX.OKTA_CANARY"),
        ("*", "ACME_LOGS_PROD.MONITORING.LONG_QUERIES_MONITOR"),
    ]


@pytest.mark.parametrize("state", ["FAILED", "FAILED_AND_AUTO_SUSPENDED", "CANCELLED"])
def test_every_failed_task_state_alerts(usage, state):
    # TASK_HISTORY: SUCCEEDED, FAILED, CANCELLED or SKIPPED; FAILED_AND_AUTO_SUSPENDED for the run that
    # hit SUSPEND_TASK_AFTER_NUM_FAILURES (behaviour change 2023_01, ref 899).
    task_run(usage, "ACME_LOGS_PROD.GLOBEX.OKTA_CLEANER", state, error="boom", query_id="t-" + state)
    task_run(usage, "ACME_LOGS_PROD.GLOBEX.OKTA_CANARY", "SKIPPED", query_id="t-skipped")
    task_run(usage, "ACME_LOGS_PROD.GLOBEX.GUARDDUTY_CANARY", "SUCCEEDED", query_id="t-ok")
    run(usage, MONITORS + "TASK_FAILURES_MONITOR")
    [alert] = full_alerts(usage)
    assert alert[3] == "ACME_LOGS_PROD.GLOBEX.OKTA_CLEANER" and state in alert[4]


def test_long_queries_over_the_threshold_alert_once_each(usage):
    usage.execute("""INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY VALUES
        ('q-long', 'select ...', 'SELECT', 'ACME_LOGS_PROD', 'ANALYST', 'READER', 'WH', 'SUCCESS', 61 * 60000, now() - INTERVAL 70 MINUTE, now() - INTERVAL 9 MINUTE),
        ('q-short', 'select ...', 'SELECT', 'ACME_LOGS_PROD', 'ANALYST', 'READER', 'WH', 'SUCCESS', 59 * 60000, now() - INTERVAL 70 MINUTE, now() - INTERVAL 11 MINUTE)""")
    run(usage, MONITORS + "LONG_QUERIES_MONITOR")
    run(usage, MONITORS + "LONG_QUERIES_MONITOR")
    assert full_alerts(usage) == [("LONG_QUERY", "MEDIUM", "*", "q-long", "query ran 61 minutes (user ANALYST, warehouse WH)")]


def end_suppressions(con):
    """Every suppression over, while the events stay where they are — as with a suppression shorter
    than the lookback (suppressionMinutes may be 0)."""
    con.execute("DELETE FROM ACME_LOGS_PROD.MONITORING.ALERT_SUPPRESSIONS")


def test_an_event_is_alerted_once_even_when_it_stays_in_the_lookback_after_its_suppression(usage):
    usage.execute("""INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY VALUES
        ('q-long', 'select ...', 'SELECT', 'ACME_LOGS_PROD', 'ANALYST', 'READER', 'WH', 'SUCCESS', 61 * 60000, now() - INTERVAL 70 MINUTE, now() - INTERVAL 9 MINUTE)""")
    run(usage, MONITORS + "LONG_QUERIES_MONITOR")
    end_suppressions(usage)
    run(usage, MONITORS + "LONG_QUERIES_MONITOR")
    assert subjects(usage) == ["q-long"]


def test_failures_during_the_suppression_are_reported_when_it_ends_not_dropped(usage):
    task_run(usage, "ACME_LOGS_PROD.GLOBEX.OKTA_CANARY", "FAILED", minutes_ago=30, query_id="r1", error="first")
    run(usage, MONITORS + "TASK_FAILURES_MONITOR")
    task_run(usage, "ACME_LOGS_PROD.GLOBEX.OKTA_CANARY", "FAILED", minutes_ago=10, query_id="r2", error="second")
    run(usage, MONITORS + "TASK_FAILURES_MONITOR")
    assert len(full_alerts(usage)) == 1  # suppressed
    end_suppressions(usage)
    run(usage, MONITORS + "TASK_FAILURES_MONITOR")
    messages = [a[4] for a in full_alerts(usage)]
    assert len(messages) == 2 and "second" in messages[1] and "first" not in messages[1]


def monitor(region, name):
    """A monitor task of one region's platform (both regions' databases share a name)."""
    with open(os.path.join(OUT, "stacks", "platform-prod", "cdk.tf.json")) as f:
        found = json.load(f)["resource"]["snowflake_task"]
    [task] = [t for t in found.values() if t["name"] == name and t["provider"] == f"snowflake.{region}"]
    return task["sql_statement"]


TABLE = "Table"
PIPELINE = "ACME_PROD_GLOBEX_PIPELINE"
DEPLOYER = "ACME_LAKEHOUSE_DEPLOYER"  # the deploying role of the default example (no role configured: <ORG>_LAKEHOUSE_DEPLOYER)
MONITORING = "ACME_PROD_MONITORING"  # owner of the platform's tasks (alert delivery among them), handed over by the platform stack
PURGE = {  # globex's okta cleaner, as its task runs it
    "text": tasks()["ACME_LOGS_PROD.GLOBEX.OKTA_CLEANER"],
} if OUT else {}


def statement(con, qid, qtype, role, *, text="", user="MALLORY", session_db="ACME_LOGS_PROD", modified=(), ddl=None, minutes_ago=5, status="SUCCESS", root=None):
    """One statement as Snowflake records it: a QUERY_HISTORY row, and an ACCESS_HISTORY row when it
    succeeded and wrote (`modified`: (domain, name) pairs) or defined (`ddl`: (domain, name, operation))
    an object. Failed statements are not in ACCESS_HISTORY (its usage notes)."""
    con.execute(
        "INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY VALUES (?, ?, ?, ?, ?, ?, 'WH', ?, 100, now() - to_minutes(?), now() - to_minutes(?))",
        [qid, text, qtype, session_db, user, role, status, minutes_ago, minutes_ago],
    )
    if status != "SUCCESS" or not (modified or ddl):
        return
    objects = [{"objectDomain": d, "objectId": 66564 + i, "objectName": n, "columns": [{"columnId": 68610, "columnName": "DATA"}]} for i, (d, n) in enumerate(modified)]
    by_ddl = None if ddl is None else json.dumps({"objectDomain": ddl[0], "objectName": ddl[1], "objectId": 70001, "operationType": ddl[2], "properties": {}})
    con.execute(
        "INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.ACCESS_HISTORY VALUES (?, now() - to_minutes(?), ?, '[]', '[]', ?, ?, '[]', ?, ?)",
        [qid, minutes_ago, user, json.dumps(objects), by_ddl, root, root],
    )


# What the text-matching monitor missed (issue 17, item 11), each a statement Snowflake records with
# the log table among the objects it wrote or redefined.
BYPASSES = {
    "a comment naming the monitoring schema": dict(
        qtype="DELETE", role=DEPLOYER, text="DELETE FROM ACME_LOGS_PROD.GLOBEX.OKTA /*.MONITORING.*/", modified=[(TABLE, "ACME_LOGS_PROD.GLOBEX.OKTA")]),
    "quoted names from another session database": dict(
        qtype="DELETE", role=DEPLOYER, session_db="SCRATCH", text='DELETE FROM "ACME_LOGS_PROD"."GLOBEX"."OKTA"', modified=[(TABLE, "ACME_LOGS_PROD.GLOBEX.OKTA")]),
    "a name built at run time in another session database": dict(
        qtype="DELETE", role=DEPLOYER, session_db="SCRATCH", text="DELETE FROM IDENTIFIER($t)", modified=[(TABLE, "ACME_LOGS_PROD.GLOBEX.OKTA")]),
    "an object name recorded with quotes": dict(
        qtype="TRUNCATE_TABLE", role=DEPLOYER, session_db="SCRATCH", text='TRUNCATE TABLE "ACME_LOGS_PROD"."GLOBEX"."OKTA"', modified=[(TABLE, '"ACME_LOGS_PROD"."GLOBEX"."OKTA"')]),
    "CREATE OR REPLACE TABLE": dict(
        qtype="CREATE_TABLE", role=DEPLOYER, text="CREATE OR REPLACE TABLE ACME_LOGS_PROD.GLOBEX.OKTA (DATA VARIANT)", ddl=(TABLE, "ACME_LOGS_PROD.GLOBEX.OKTA", "REPLACE")),
    "retention to zero on the table, from another session database": dict(
        qtype="ALTER_TABLE", role=PIPELINE, session_db="SCRATCH", text='ALTER TABLE "ACME_LOGS_PROD".GLOBEX.OKTA SET DATA_RETENTION_TIME_IN_DAYS = 0', ddl=(TABLE, "ACME_LOGS_PROD.GLOBEX.OKTA", "ALTER")),
    "retention to zero on the tenant schema": dict(
        qtype="ALTER_SCHEMA", role=DEPLOYER, text="ALTER SCHEMA ACME_LOGS_PROD.GLOBEX SET DATA_RETENTION_TIME_IN_DAYS = 0", ddl=("Schema", "ACME_LOGS_PROD.GLOBEX", "ALTER")),
    "retention to zero on the database": dict(
        qtype="ALTER_DATABASE", role=DEPLOYER, text="ALTER DATABASE ACME_LOGS_PROD SET DATA_RETENTION_TIME_IN_DAYS = 0", ddl=("Database", "ACME_LOGS_PROD", "ALTER")),
    "a DELETE from the alert store": dict(
        qtype="DELETE", role=DEPLOYER, text="DELETE FROM ACME_LOGS_PROD.MONITORING.ALERTS", modified=[(TABLE, "ACME_LOGS_PROD.MONITORING.ALERTS")]),
}


@pytest.mark.parametrize("bypass", list(BYPASSES))
def test_each_bypass_of_the_text_matching_monitor_is_caught(usage, bypass):
    statement(usage, "q-bypass", **BYPASSES[bypass])
    run_body(usage, monitor("us_east_1", "LOG_TABLE_CHANGES_MONITOR"))
    assert subjects(usage) == ["q-bypass"]


def test_changes_to_log_tables_alert_unless_a_cleaner_purges_its_own_table_in_its_own_run(usage):
    okta, cloudtrail = "ACME_LOGS_PROD.GLOBEX.OKTA", "ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL"
    # The cleaner's run: its task executed the DELETE, as the pipeline role that owns it, on its own table.
    statement(usage, "q-clean", "DELETE", PIPELINE, user="SYSTEM", text=PURGE["text"], modified=[(TABLE, okta)])
    task_run(usage, okta + "_CLEANER", "SUCCEEDED", query_id="q-clean")
    # The same DELETE by the same role, but typed by hand (no task run executed it).
    statement(usage, "q-clean-by-hand", "DELETE", PIPELINE, text=PURGE["text"], modified=[(TABLE, okta)])
    # The same DELETE as another role.
    statement(usage, "q-clean-as-admin", "DELETE", DEPLOYER, text=PURGE["text"], modified=[(TABLE, okta)])
    # The okta cleaner's run deleting from another table (its body rewritten): not its own table.
    statement(usage, "q-other-table", "DELETE", PIPELINE, user="SYSTEM", text="DELETE FROM ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL", modified=[(TABLE, cloudtrail)])
    task_run(usage, okta + "_CLEANER", "SUCCEEDED", query_id="q-other-table")
    # Another tenant's table by globex's pipeline role.
    statement(usage, "q-cross", "DELETE", PIPELINE, text="DELETE FROM ACME_LOGS_PROD.INITECH.OKTA", modified=[(TABLE, "ACME_LOGS_PROD.INITECH.OKTA")])
    # Redefinitions: the pipeline role's ALTER, a DROP, the cleaner task rewritten.
    statement(usage, "q-alter", "ALTER_TABLE", PIPELINE, text="ALTER TABLE ... SET DATA_RETENTION_TIME_IN_DAYS = 0", ddl=(TABLE, okta, "ALTER"))
    statement(usage, "q-drop", "DROP", DEPLOYER, session_db="OTHER", text="DROP TABLE ACME_LOGS_PROD.GLOBEX.OKTA", ddl=(TABLE, okta, "DROP"))
    statement(usage, "q-task-rewrite", "ALTER_TASK", PIPELINE, text="ALTER TASK ... MODIFY AS DELETE FROM ...", ddl=("Task", okta + "_CLEANER", "ALTER"))
    # A truncated access record (the objects replaced by Snowflake's sentinel) cannot be cleared.
    statement(usage, "q-truncated", "DELETE", DEPLOYER, modified=[("TRUNCATED", "TRUNCATED")])
    # Alert delivery marking alerts delivered, in a run of its task, as the role that owns it.
    statement(usage, "q-delivery", "UPDATE", MONITORING, user="SYSTEM", text="UPDATE ... ALERTS SET ...", modified=[(TABLE, "ACME_LOGS_PROD.MONITORING.ALERTS")])
    task_run(usage, "ACME_LOGS_PROD.MONITORING.ALERT_DELIVERY", "SUCCEEDED", query_id="q-delivery")
    # The same stamp by the deploying role, outside delivery's runs: the deploy role owns no task since the handover.
    statement(usage, "q-stamp-by-hand", "UPDATE", DEPLOYER, text="UPDATE ... ALERTS SET DELIVERED_AT = ...", modified=[(TABLE, "ACME_LOGS_PROD.MONITORING.ALERTS")])
    # Not changes: a failed DROP, a read, loads and inserts, another database, a new object.
    statement(usage, "q-failed", "DROP", DEPLOYER, text="DROP TABLE ACME_LOGS_PROD.GLOBEX.OKTA", ddl=(TABLE, okta, "DROP"), status="FAIL")
    statement(usage, "q-select", "SELECT", "ACME_PROD_GLOBEX_READER", text="select * from ACME_LOGS_PROD.GLOBEX.OKTA")
    statement(usage, "q-copy", "COPY", "ACME_LOGS_PROD_BACKFILL", text="COPY INTO ...", modified=[(TABLE, okta)])
    statement(usage, "q-insert", "INSERT", PIPELINE, user="SYSTEM", text="INSERT INTO ...", modified=[(TABLE, "ACME_LOGS_PROD.MONITORING.ALERTS")])
    statement(usage, "q-other-db", "DROP", DEPLOYER, session_db="OTHER_DB", text="DROP TABLE OTHER_DB.S.T", ddl=(TABLE, "OTHER_DB.S.T", "DROP"))
    statement(usage, "q-create", "CREATE_TABLE", DEPLOYER, text="CREATE TABLE ACME_LOGS_PROD.GLOBEX.NEW_SOURCE (...)", ddl=(TABLE, "ACME_LOGS_PROD.GLOBEX.NEW_SOURCE", "CREATE"))
    run_body(usage, monitor("us_east_1", "LOG_TABLE_CHANGES_MONITOR"))
    assert subjects(usage) == sorted(["q-alter", "q-clean-as-admin", "q-clean-by-hand", "q-cross", "q-drop", "q-other-table", "q-stamp-by-hand", "q-task-rewrite", "q-truncated"])
    message = dict((a[3], a[4]) for a in full_alerts(usage))["q-drop"]
    assert message.startswith(f"DROP by MALLORY as {DEPLOYER}") and "ACME_LOGS_PROD.GLOBEX.OKTA" in message


def test_each_region_expects_only_its_own_tenants_purges(usage):
    # initech and umbrella live in eu-west-1: globex's cleaner run is a change there.
    statement(usage, "q-clean", "DELETE", PIPELINE, user="SYSTEM", text=PURGE["text"], modified=[(TABLE, "ACME_LOGS_PROD.GLOBEX.OKTA")])
    task_run(usage, "ACME_LOGS_PROD.GLOBEX.OKTA_CLEANER", "SUCCEEDED", query_id="q-clean")
    run_body(usage, monitor("eu_west_1", "LOG_TABLE_CHANGES_MONITOR"))
    assert subjects(usage) == ["q-clean"]


def test_a_change_that_reaches_access_history_late_is_caught_once(usage):
    # ACCESS_HISTORY lags up to 3 hours: a DELETE made 3 h 20 min ago can first show up now.
    statement(usage, "q-late", "DELETE", DEPLOYER, text="DELETE FROM ACME_LOGS_PROD.GLOBEX.OKTA", modified=[(TABLE, "ACME_LOGS_PROD.GLOBEX.OKTA")], minutes_ago=200)
    for _ in range(3):
        run_body(usage, monitor("us_east_1", "LOG_TABLE_CHANGES_MONITOR"))
    assert subjects(usage) == ["q-late"]


# ---- suspended tasks (SHOW TASKS's result stood in for by a table of its columns) ----

SHOW_TASKS = ("TABLE(RESULT_SCAN(LAST_QUERY_ID()))", "SHOWN_TASKS")


@pytest.fixture()
def shown(db):
    db.execute('CREATE TABLE SHOWN_TASKS ("name" VARCHAR, "database_name" VARCHAR, "schema_name" VARCHAR, "owner" VARCHAR, "state" VARCHAR)')
    return db


def show(con, *rows):
    con.executemany("INSERT INTO SHOWN_TASKS VALUES (?, 'ACME_LOGS_PROD', ?, ?, ?)", rows)


def run_suspended_monitor(con, region):
    body = monitor(region, "SUSPENDED_TASKS_MONITOR")
    first, *rest = statements(body)
    assert first == "SHOW TASKS IN DATABASE ACME_LOGS_PROD", "the monitor must list the tasks right before reading the result"
    for sql in rest:
        con.execute(to_duckdb(sql.replace(*SHOW_TASKS)))


def test_a_suspended_task_alerts_once_within_the_suppression(shown):
    show(shown,
         ("OKTA_CLEANER", "GLOBEX", "ACME_PROD_GLOBEX_PIPELINE", "suspended"),
         ("OKTA_CANARY", "GLOBEX", "ACME_PROD_GLOBEX_PIPELINE", "started"),
         ("TASK_FAILURES_MONITOR", "MONITORING", MONITORING, "started"))
    for _ in range(3):
        run_suspended_monitor(shown, "us_east_1")
    assert full_alerts(shown) == [("TASK_SUSPENDED", "HIGH", "globex", "ACME_LOGS_PROD.GLOBEX.OKTA_CLEANER",
                                   "task is suspended (owner ACME_PROD_GLOBEX_PIPELINE): it no longer runs on its schedule")]


def test_a_canary_switched_off_in_config_is_meant_to_be_suspended(shown):
    # initech's okta canary is disabled in the example; its cloudtrail canary is not.
    show(shown,
         ("OKTA_CANARY", "INITECH", "ACME_PROD_INITECH_PIPELINE", "suspended"),
         ("CLOUDTRAIL_CANARY", "INITECH", "ACME_PROD_INITECH_PIPELINE", "suspended"))
    run_suspended_monitor(shown, "eu_west_1")
    assert [a[3] for a in full_alerts(shown)] == ["ACME_LOGS_PROD.INITECH.CLOUDTRAIL_CANARY"]


def test_monitor_suppression_is_per_subject(usage):
    task_run(usage, "ACME_LOGS_PROD.GLOBEX.A_CANARY", "FAILED", minutes_ago=5, query_id="a", error="x")
    run(usage, MONITORS + "TASK_FAILURES_MONITOR")
    task_run(usage, "ACME_LOGS_PROD.GLOBEX.B_CANARY", "FAILED", minutes_ago=1, query_id="b", error="y")
    run(usage, MONITORS + "TASK_FAILURES_MONITOR")
    run(usage, MONITORS + "TASK_FAILURES_MONITOR")
    assert [a[3] for a in full_alerts(usage)] == ["ACME_LOGS_PROD.GLOBEX.A_CANARY", "ACME_LOGS_PROD.GLOBEX.B_CANARY"]


# ---- pipe state, watched by each source's canary task (SYSTEM$PIPE_STATUS stood in for by a macro) ----

def pipe_state(con, state):
    con.execute(f"""CREATE OR REPLACE MACRO "SYSTEM$PIPE_STATUS"(p) AS '{{"executionState":"{state}","pendingFileCount":0}}'""")


def test_a_running_pipe_raises_nothing(db):
    pipe_state(db, "RUNNING")
    load(db, "GLOBEX.OKTA", loaded_minutes_ago=1)
    run(db, CANARY)
    assert alerts(db) == []


def test_a_paused_pipe_raises_one_alert_within_the_suppression(db):
    pipe_state(db, "PAUSED")
    load(db, "GLOBEX.OKTA", loaded_minutes_ago=1)
    for _ in range(3):
        run(db, CANARY)
    assert db.execute("SELECT KIND, SUBJECT, MESSAGE FROM ACME_LOGS_PROD.MONITORING.ALERTS").fetchall() == [
        ("PIPE_NOT_RUNNING", "ACME_LOGS_PROD.GLOBEX.OKTA_PIPE", "pipe is PAUSED")
    ]


# ---- loading: each pipe's exact COPY on staged files, the flattener, the catalog's views ----
# ---- tenant isolation: a tenant raises alerts only through its own procedure (EXECUTE AS OWNER) ----
#
# The pipeline roles hold no privilege on the alert store (test/stacks.test.ts checks the synthesized
# grants); what they can do is call their tenant's procedure. Its guard is the whole policy: these
# tests call the procedures from the synth as a tenant's role could, with what an attacker would pass.

GLOBEX_PROCEDURE = "ACME_LOGS_PROD.MONITORING.RAISE_ALERT_GLOBEX"
INITECH_CANARY = "ACME_LOGS_PROD.INITECH.OKTA_CANARY"  # its SQL runs here whether or not the task is started


def raise_alert(con, procedure, kind, subject, message, minutes=1440, severity="HIGH"):
    call(con, f"CALL {procedure}({literal_of(kind)}, {literal_of(severity)}, {literal_of(subject)}, {literal_of(message)}, {literal_of(minutes)})")


def store_rows(con):
    return con.execute("SELECT (SELECT COUNT(*) FROM ACME_LOGS_PROD.MONITORING.ALERTS), (SELECT COUNT(*) FROM ACME_LOGS_PROD.MONITORING.ALERT_SUPPRESSIONS)").fetchone()


@pytest.mark.parametrize("kind, subject, minutes, severity", [
    ("LOG_CANARY", "ACME_LOGS_PROD.INITECH.CLOUDTRAIL", 1440, "HIGH"),  # another tenant's canary
    ("LOG_CANARY", "ACME_LOGS_PROD.GLOBEXX.OKTA", 1440, "HIGH"),  # a schema whose name starts like globex's
    ("LOG_CANARY", "ACME_LOGS_PROD.GLOBEX", 1440, "HIGH"),  # the schema itself, not an object in it
    ("LOG_TABLE_CHANGE", "q-some-query", 1440, "HIGH"),  # a platform kind (silencing the tamper monitor)
    ("LOAD_FAILURE", "ACME_LOGS_PROD.GLOBEX.OKTA", 1440, "HIGH"),
    ("LOG_CANARY", "ACME_LOGS_PROD.GLOBEX.OKTA", 1000000, "HIGH"),  # "until 2999"
    ("LOG_CANARY", "ACME_LOGS_PROD.GLOBEX.OKTA", -5, "HIGH"),
    ("LOG_CANARY", "ACME_LOGS_PROD.GLOBEX.OKTA", 1440, "NONE"),
    ("LOG_CANARY", None, 1440, "HIGH"),
    (None, "ACME_LOGS_PROD.GLOBEX.OKTA", 1440, "HIGH"),
])
def test_a_tenants_procedure_refuses_anything_but_its_own_canary_alerts(db, kind, subject, minutes, severity):
    with pytest.raises(Refused):
        raise_alert(db, GLOBEX_PROCEDURE, kind, subject, "forged", minutes, severity)
    assert store_rows(db) == (0, 0)


def test_a_tenant_cannot_suppress_another_tenants_canary(db):
    # globex's role may only suppress its own subjects, at most for 30 days: initech's canary still fires.
    with pytest.raises(Refused):
        raise_alert(db, GLOBEX_PROCEDURE, "LOG_CANARY", "ACME_LOGS_PROD.INITECH.OKTA", None, 43200)
    raise_alert(db, GLOBEX_PROCEDURE, "LOG_CANARY", "ACME_LOGS_PROD.GLOBEX.OKTA", "own alert", 43200)
    run(db, INITECH_CANARY)
    assert alerts(db) == [("LOG_CANARY", "globex", "ACME_LOGS_PROD.GLOBEX.OKTA"), ("LOG_CANARY", "initech", "ACME_LOGS_PROD.INITECH.OKTA")]


def test_the_procedure_writes_its_own_tenant_whatever_the_caller(db):
    raise_alert(db, GLOBEX_PROCEDURE, "PIPE_NOT_RUNNING", "ACME_LOGS_PROD.GLOBEX.OKTA_PIPE", "pipe is PAUSED")
    assert db.execute("SELECT TENANT, ALERT_ID IS NOT NULL FROM ACME_LOGS_PROD.MONITORING.ALERTS").fetchall() == [("globex", True)]


def test_each_tenant_has_its_own_procedure_bound_to_its_schema():
    found = {name: p["procedure_definition"] for name, p in procedures().items()}
    assert sorted(found) == [f"ACME_LOGS_PROD.MONITORING.RAISE_ALERT_{t}" for t in ["GLOBEX", "HOOLI", "INITECH", "UMBRELLA"]]
    for name, body in found.items():
        schema = name.rsplit("_", 1)[1]
        assert f"STARTSWITH(SUBJECT, 'ACME_LOGS_PROD.{schema}.')" in body and f"'{schema.lower()}', :SUBJECT" in body
    assert all(p["execute_as"] == "OWNER" for p in procedures().values())


# ---- alert delivery: a Snowflake Scripting block, interpreted statement by statement on DuckDB ----
#
# DuckDB runs no Scripting, so the block's own control flow (DECLARE, :=, SELECT … INTO, IF, FOR, BREAK)
# is followed here line by line, exactly as the synthesized body writes it; every SQL statement in it runs
# on DuckDB. SYSTEM$SEND_SNOWFLAKE_NOTIFICATION is the `send` callback (a channel and the message body),
# which may fail as a real send can. Stand-in: OCTET_LENGTH is DuckDB's STRLEN (bytes of a string).

class Break(Exception):
    pass


def block_value(con, expression, variables):
    """An expression of the block (variables by bare name or :name) evaluated on DuckDB; a timestamp is
    kept as its text (it is only ever bound back into SQL)."""
    sql = delivery_sql("SELECT " + substitute(expression, variables, bare=True), variables)
    (kind,) = con.execute(f"SELECT typeof(v) FROM ({sql}) AS e(v)").fetchone()
    return con.execute(f"SELECT CAST(v AS VARCHAR) FROM ({sql}) AS e(v)" if kind.startswith("TIMESTAMP") else sql).fetchone()[0]


def substitute(sql, variables, bare=False):
    for name in sorted(variables, key=len, reverse=True):
        sql = re.sub(rf":{name}\b", literal_of(variables[name]), sql)
        if bare:
            sql = re.sub(rf"(?<![\w.:']){name}\b", literal_of(variables[name]), sql)
    return sql


def delivery_sql(sql, variables):
    return to_duckdb(substitute(sql, variables)).replace("OCTET_LENGTH(", "STRLEN(")


def parse_block(lines):
    """Lines of a block body → nested statements: ('sql', text) | ('if', cond, body) | ('for', n, body) | ('break',)."""
    out, i = [], 0
    while i < len(lines):
        line = lines[i].strip()
        if not line:
            i += 1
            continue
        loop = re.match(r"^FOR \w+ IN 1 TO (\d+) DO$", line)
        cond = re.match(r"^IF \((.+)\) THEN$", line)
        if loop or cond:
            end, depth, j = ("END FOR;" if loop else "END IF;"), 0, i + 1
            opener = r"^FOR .* DO$" if loop else r"^IF \(.*\) THEN$"
            while True:
                inner = lines[j].strip()
                if re.match(opener, inner):
                    depth += 1
                elif inner == end:
                    if depth == 0:
                        break
                    depth -= 1
                j += 1
            body = parse_block(lines[i + 1:j])
            out.append(("for", int(loop.group(1)), body) if loop else ("if", cond.group(1), body))
            i = j + 1
        elif line == "BREAK;":
            out.append(("break",))
            i += 1
        else:
            text = line
            while not text.endswith(";"):
                i += 1
                text += "\n" + lines[i].strip()
            out.append(("sql", text[:-1]))
            i += 1
    return out


def execute_block(con, statements, variables, send):
    for st in statements:
        if st[0] == "break":
            raise Break()
        if st[0] == "for":
            for _ in range(st[1]):
                try:
                    execute_block(con, st[2], variables, send)
                except Break:
                    break
            continue
        if st[0] == "if":
            if block_value(con, st[1], variables):
                execute_block(con, st[2], variables, send)
            continue
        sql = st[1]
        assign = re.match(r"^(\w+) := ([\s\S]+)$", sql)
        into = re.match(r"^SELECT ([\s\S]+?) INTO ((?::\w+(?:, )?)+) (FROM [\s\S]+)$", sql)
        if assign:
            variables[assign.group(1)] = block_value(con, assign.group(2), variables)
        elif into:
            row = con.execute(delivery_sql(f"SELECT {into.group(1)} {into.group(3)}", variables)).fetchone()
            for name, value in zip([n.strip().lstrip(":") for n in into.group(2).split(",")], row):
                variables[name] = value
        elif sql.startswith("CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION("):
            m = re.search(r"NOTIFICATION\.(APPLICATION_JSON|TEXT_PLAIN)\(:(\w+)\)", sql)
            assert m, sql
            send("sns" if m.group(1) == "APPLICATION_JSON" else "email", variables[m.group(2)])
        else:
            con.execute(delivery_sql(sql, variables))


def run_delivery(con, send):
    body = [t for t in tasks_by_name("platform-prod") if t["name"] == "ALERT_DELIVERY" and t["provider"] == "snowflake.us_east_1"][0]["sql_statement"]
    lines = body.split("\n")
    assert lines[0] == "DECLARE"
    begin = lines.index("BEGIN")
    variables = {}
    for line in lines[1:begin]:
        m = re.match(r"^\s*(\w+) [\w()]+(?: DEFAULT (.+))?;$", line)
        variables[m.group(1)] = None if m.group(2) is None else block_value(con, m.group(2), {})
    last = max(i for i, l in enumerate(lines) if l.strip() in ("END", "END;"))
    execute_block(con, parse_block(lines[begin + 1:last]), variables, send)


def tasks_by_name(stack):
    with open(os.path.join(OUT, "stacks", stack, "cdk.tf.json")) as f:
        return list(json.load(f)["resource"]["snowflake_task"].values())


class Outbox:
    """What was sent, per channel; a channel can be made to fail."""
    def __init__(self, failing=()):
        self.sent = {"sns": [], "email": []}
        self.failing = set(failing)

    def __call__(self, channel, body):
        if channel in self.failing:
            raise RuntimeError(f"{channel} send failed")
        self.sent[channel].append(body)

    def sns_alerts(self):
        return [json.loads(b) for b in self.sent["sns"]]


def raise_alerts(con, n, message="x", delivered=False, with_id=True):
    con.execute(f"""INSERT INTO ACME_LOGS_PROD.MONITORING.ALERTS (ALERT_ID, ALERT_TIME, KIND, SEVERITY, TENANT, SUBJECT, MESSAGE, DELIVERED_AT)
        SELECT {"CAST(uuid() AS VARCHAR)" if with_id else "NULL"}, now() - to_seconds(?) + to_microseconds(i), 'LOG_CANARY', 'HIGH', 'globex', 'ACME_LOGS_PROD.GLOBEX.OKTA', ?, {"now()" if delivered else "NULL"}
        FROM range(?) t(i)""", [n, message, n])


def undelivered(con):
    return con.execute("SELECT COUNT(*) FROM ACME_LOGS_PROD.MONITORING.ALERTS WHERE DELIVERED_AT IS NULL").fetchone()[0]


def test_alerts_go_out_in_bounded_batches_on_each_channel(db):
    raise_alerts(db, 250)
    out = Outbox()
    run_delivery(db, out)
    assert [len(m) for m in out.sns_alerts()] == [100, 100, 50]
    assert [len(b.split("\n")) for b in out.sent["email"]] == [200, 50]
    assert len({a["alert_id"] for m in out.sns_alerts() for a in m}) == 250
    assert undelivered(db) == 0
    again = Outbox()
    run_delivery(db, again)
    assert again.sent == {"sns": [], "email": []}


def test_an_sns_message_stays_under_256_kb_whatever_the_alerts_hold(db):
    # Every character of these messages needs two bytes once in JSON (a quote escaped, an e-acute in UTF-8).
    raise_alerts(db, 120, message='"é' * 5000)
    out = Outbox()
    run_delivery(db, out)
    sizes = [len(b.encode("utf-8")) for b in out.sent["sns"]]
    assert len(sizes) >= 3 and max(sizes) <= 200000 < SNS_MESSAGE_LIMIT_BYTES
    assert sorted(a["alert_id"] for m in out.sns_alerts() for a in m) == sorted(r[0] for r in db.execute("SELECT ALERT_ID FROM ACME_LOGS_PROD.MONITORING.ALERTS").fetchall())
    assert max(len(b.encode("utf-8")) for b in out.sent["email"]) <= 100000


SNS_MESSAGE_LIMIT_BYTES = 262144


def test_an_email_failure_does_not_send_the_sns_backlog_again(db):
    raise_alerts(db, 150)
    failing = Outbox(failing=["email"])
    with pytest.raises(RuntimeError):
        run_delivery(db, failing)
    assert sum(len(m) for m in failing.sns_alerts()) == 150 and undelivered(db) == 150
    fixed = Outbox()
    run_delivery(db, fixed)
    assert fixed.sent["sns"] == [] and sum(len(b.split("\n")) for b in fixed.sent["email"]) == 150
    assert undelivered(db) == 0


def test_a_failed_send_is_sent_again_next_run_not_lost(db):
    raise_alerts(db, 30)
    with pytest.raises(RuntimeError):
        run_delivery(db, Outbox(failing=["sns"]))
    out = Outbox()
    run_delivery(db, out)
    assert sum(len(m) for m in out.sns_alerts()) == 30 and undelivered(db) == 0


def test_alerts_delivered_before_the_upgrade_are_not_sent_again_and_rows_without_an_id_get_one(db):
    raise_alerts(db, 5, delivered=True, with_id=False)
    raise_alerts(db, 3, with_id=False)
    out = Outbox()
    run_delivery(db, out)
    assert sum(len(m) for m in out.sns_alerts()) == 3 and undelivered(db) == 0


def test_a_run_sends_a_bounded_number_of_messages_the_rest_waits(db):
    raise_alerts(db, 2050)
    out = Outbox()
    run_delivery(db, out)
    assert len(out.sent["sns"]) == 20 and sum(len(m) for m in out.sns_alerts()) == 2000
    nxt = Outbox()
    run_delivery(db, nxt)
    assert sum(len(m) for m in nxt.sns_alerts()) == 50 and undelivered(db) == 0


# ---- wrapped files flattened to one row per event, and the catalog's COPY and views on sample events ----
#
# A file is loaded the way Snowflake documents it, from the synthesized file format and the COPY's
# ON_ERROR (COPY INTO <table>, ON_ERROR and its usage notes: https://docs.snowflake.com/en/sql-reference/sql/copy-into-table):
#   - CSV (the pipes' one-line-one-row format): every line is a row; with CONTINUE a row that cannot be
#     read or transformed is rejected alone and the rest of the file loads ("All ON_ERROR values work
#     as expected when loading structured data files (CSV, TSV, etc.) with either parsing or
#     transformation errors").
#   - JSON: records are parsed in order; at the first record that does not parse, the records before
#     it load and the rest of the file is skipped; a transformation error skips the whole file
#     (Snowpipe's default SKIP_FILE, "regardless of selected option value").
#   - Parquet: a row arrives as one object in $1; a transformation error skips the whole file.
# A staged value over what Snowflake reads (128 MB, the 2024_08 and 2025_03 behavior changes) is a
# read error of its row. The transformation itself is the pipe's SELECT list, run as an INSERT … SELECT
# over a table of staged rows ($1 and the METADATA$ columns stood in for by its columns). Stand-ins for
# what DuckDB lacks, each the documented meaning: a VARIANT path cast to text is DuckDB's ->> (CAST(json
# AS TEXT) would keep the quotes that Snowflake's ::string drops); epoch_ms takes a BIGINT (a value
# out of its range fails, as TO_TIMESTAMP_TZ does in Snowflake); FLATTEN (MODE => 'ARRAY') is json_each
# over an array; TRY_TO_TIMESTAMP_TZ (before 0.5.0) is TRY_CAST to TIMESTAMPTZ. Tables are created
# from the synthesized snowflake_table columns, so the harness loads into the shape that ships.

STAGE_READ_LIMIT = 128 * 1024 * 1024


@functools.cache
def synth_resources(kind):
    found = {}
    for path in glob.glob(os.path.join(OUT, "stacks", "tenant-*", "cdk.tf.json")):
        with open(path) as f:
            for r in json.load(f).get("resource", {}).get(kind, {}).values():
                found[f"{r['database']}.{r['schema']}.{r['name']}"] = r
    return found


def pipe_copy(name):
    return synth_resources("snowflake_pipe")[name]["copy_statement"]


def view_statement(name):
    return synth_resources("snowflake_view")[name]["statement"]


FLATTEN = re.compile(r",\s+CROSS JOIN UNNEST\(INPUT => \((.+?)\)\) AS (\w+)\(SEQ, KEY, PATH, INDEX, VALUE, THIS\)")


def _json_text(node):
    """`CAST(<variant path> AS TEXT)` → `<variant> ->> <path>` (Snowflake's ::string of a VARIANT drops the quotes)."""
    if isinstance(node, sqlglot.exp.Cast) and isinstance(node.this, sqlglot.exp.JSONExtract) and node.to.is_type("text", "varchar"):
        return sqlglot.exp.JSONExtractScalar(this=node.this.this, expression=node.this.expression)
    return node


def lake_sql(sql):
    tree = sqlglot.parse_one(sql.rstrip(";"), read="snowflake").transform(_json_text)
    out = tree.sql(dialect="duckdb")
    # Epoch milliseconds come out as EPOCH_MS over a DECIMAL, which DuckDB takes as BIGINT only (a macro casts it).
    out = out.replace("EPOCH_MS(", "EPOCH_MS_ANY(")
    out = FLATTEN.sub(lambda m: f" CROSS JOIN LATERAL (SELECT u.value AS VALUE, CAST(u.key AS BIGINT) AS INDEX FROM json_each({m.group(1)}) AS u WHERE json_type({m.group(1)}) = 'ARRAY') AS {m.group(2)}", out)
    return out


DUCK_COLUMN_TYPES = {"VARIANT": "JSON", "VARCHAR": "VARCHAR", "TIMESTAMP_TZ": "TIMESTAMPTZ", "TIMESTAMP_LTZ": "TIMESTAMPTZ", "NUMBER": "BIGINT", "BOOLEAN": "BOOLEAN"}


def create_table_as_synthesized(con, name):
    """The table as the stack creates it: its columns, in order, with DuckDB's types for Snowflake's."""
    columns = synth_resources("snowflake_table")[name]["column"]
    con.execute(f"DROP TABLE IF EXISTS {name}")
    con.execute(f"CREATE TABLE {name} ({', '.join(c['name'] + ' ' + DUCK_COLUMN_TYPES[c['type'].split('(')[0]] for c in columns)})")


LAKE_TABLES = ["CLOUDTRAIL", "CLOUDTRAIL_FILES", "GUARDDUTY", "DNS_QUERIES", "GITHUB_AUDIT", "VPC_FLOW", "OKTA", "GSUITE_AUDIT"]


@pytest.fixture()
def lake(db):
    db.execute("SET TimeZone = 'UTC'")
    db.execute("CREATE MACRO TRY_TO_TIMESTAMP_TZ(s) AS TRY_CAST(s AS TIMESTAMPTZ)")
    db.execute("CREATE MACRO EPOCH_MS_ANY(n) AS EPOCH_MS(CAST(n AS BIGINT))")
    for table in LAKE_TABLES:
        create_table_as_synthesized(db, f"ACME_LOGS_PROD.GLOBEX.{table}")
    return db


COPY = re.compile(r"^COPY INTO (\S+) \(([^)]*)\)\nFROM \(\n\s*SELECT\s(.*?)\n\s*FROM @\S+\n\)\nFILE_FORMAT = \(FORMAT_NAME = '(\S+)'\)\nON_ERROR = (\w+)$", re.S)


class Load:
    """What a COPY did with each file: rows loaded, rows rejected (row number, why), files skipped."""

    def __init__(self):
        self.loaded = {}
        self.rejected = {}
        self.skipped = {}

    def __repr__(self):
        return f"Load(loaded={self.loaded}, rejected={self.rejected}, skipped={self.skipped})"


def _strict_pairs(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key")
    return dict(pairs)


def _file_text(content):
    """A staged file's text: given as text, or as records written one JSON document per line."""
    return content if isinstance(content, str) else "".join(json.dumps(r) + "\n" for r in content)


def staged_rows(fmt, content):
    """The file as the format reads it: [(row number, value or None, read error or None)] and whether reading stopped."""
    kind = fmt["format_type"]
    if kind == "PARQUET":
        return [(i, json.dumps(r), None) for i, r in enumerate(content, start=1)], False
    text = _file_text(content)
    if kind == "CSV":
        # What one-line-one-row needs of the format; anything else would split or unescape the line.
        assert fmt.get("field_delimiter") == "NONE" and fmt.get("escape_unenclosed_field") == "NONE" and fmt.get("field_optionally_enclosed_by", "NONE") == "NONE", fmt
        rows = []
        for i, line in enumerate(text.split("\n"), start=1):
            line = line[:-1] if line.endswith("\r") else line
            if line == "" and (fmt.get("skip_blank_lines") or i == len(text.split("\n"))):
                continue
            if len(line.encode()) > STAGE_READ_LIMIT:
                rows.append((i, None, "Max LOB size exceeded"))
            else:
                rows.append((i, None if line in fmt.get("null_if", ["\\N"]) else line, None))
        return rows, False
    assert kind == "JSON", kind
    documents = [d for d in text.split("\n") if d.strip()] if not fmt.get("strip_outer_array") else None
    rows = []
    if documents is None:
        documents = [json.dumps(d) for d in json.loads(text)]
    for i, doc in enumerate(documents, start=1):
        try:
            if len(doc.encode()) > STAGE_READ_LIMIT:
                raise ValueError("document is too large")
            json.loads(doc, object_pairs_hook=None if fmt.get("allow_duplicate") else _strict_pairs)
        except ValueError as e:
            rows.append((i, None, f"Error parsing JSON: {e}"))
            return rows, True  # the records before it load; the rest of the file is not read
        rows.append((i, doc, None))
    return rows, False


def load_files(con, pipe, files, scan_time="now()"):
    """Runs the pipe's exact COPY over `files` ({name: text, or [record, …] one JSON document per line; Parquet: [row, …]})."""
    m = COPY.match(pipe_copy(pipe))
    assert m, "the COPY has the shape this harness reads:\n" + pipe_copy(pipe)
    table, columns, select, format_name, on_error = m.groups()
    fmt = synth_resources("snowflake_file_format")[format_name]
    select = " ".join(line.strip() for line in select.split("\n"))
    select = select.replace("$1", "s.V").replace("METADATA$START_SCAN_TIME", "s.SCAN_TIME").replace("METADATA$FILENAME", "s.FILE").replace("METADATA$FILE_ROW_NUMBER", "s.ROW_NUMBER")
    insert = lake_sql(f"INSERT INTO {table} ({columns}) SELECT {select} FROM STAGED s")
    staged_type = "VARCHAR" if fmt["format_type"] == "CSV" else "JSON"
    result = Load()
    for name, content in files.items():
        rows, stopped = staged_rows(fmt, content)
        readable = [(i, v) for i, v, err in rows if err is None]
        unreadable = [(i, err) for i, _, err in rows if err is not None]
        result.rejected[name] = list(unreadable)
        result.skipped[name] = False
        con.execute(f"CREATE OR REPLACE TABLE STAGED (V {staged_type}, FILE VARCHAR, ROW_NUMBER BIGINT, SCAN_TIME TIMESTAMPTZ)")
        if on_error == "SKIP_FILE" and (unreadable or stopped):
            result.skipped[name] = True
            continue
        if fmt["format_type"] == "CSV" and on_error == "CONTINUE":
            for i, v in readable:  # a row's transformation error rejects that row alone
                con.execute(f"CREATE OR REPLACE TABLE STAGED AS SELECT CAST(? AS VARCHAR) AS V, ? AS FILE, CAST(? AS BIGINT) AS ROW_NUMBER, {scan_time} AS SCAN_TIME", [v, name, i])
                try:
                    con.execute(insert)
                except duckdb.Error as e:
                    result.rejected[name].append((i, str(e)))
        else:
            for i, v in readable:
                con.execute(f"INSERT INTO STAGED VALUES (?, ?, ?, {scan_time})", [v, name, i])
            try:
                con.execute("BEGIN")
                con.execute(insert)
                con.execute("COMMIT")
            except duckdb.Error as e:  # a transformation error: Snowpipe skips the file
                con.execute("ROLLBACK")
                result.skipped[name] = True
                result.rejected[name].append((None, str(e)))
        result.loaded[name] = con.execute(f"SELECT COUNT(*) FROM {table} WHERE SOURCE_FILE = ?", [name]).fetchone()[0]
    return result


ISO = "'%Y-%m-%dT%H:%M:%S.%gZ'"


def read_view(con, name):
    """The view's rows as dicts, timestamps as ISO text (UTC, milliseconds)."""
    sql = lake_sql(view_statement(name))
    described = con.execute(f"DESCRIBE {sql}").fetchall()
    cols = [f"strftime(v.\"{c}\", {ISO})" if t.startswith("TIMESTAMP") else f"v.\"{c}\"" for c, t, *_ in described]
    cur = con.execute(f"SELECT {', '.join(cols)} FROM ({sql}) v")
    return [dict(zip([c.lower() for c, *_ in described], row)) for row in cur.fetchall()]


def iso(t):
    return t


# A CloudTrail log file as the trail writes it: one object, its events in Records (written after the
# record examples of the CloudTrail user guide: an IAM user's call, an assumed role's denied call made
# through a service, and an event with a broken time).
CLOUDTRAIL_FILE = {"Records": [
    {"eventVersion": "1.08", "eventTime": "2026-11-20T10:00:01Z", "eventSource": "ec2.amazonaws.com", "eventName": "StartInstances",
     "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.7", "userAgent": "aws-cli/2.15.0", "eventType": "AwsApiCall", "readOnly": False,
     "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111111111111:user/alice", "accountId": "111111111111", "accessKeyId": "AKIAEXAMPLEALICE", "userName": "alice"},
     "requestParameters": {"instancesSet": {"items": [{"instanceId": "i-0abc"}]}}, "eventID": "e-1", "recipientAccountId": "111111111111"},
    {"eventVersion": "1.08", "eventTime": "2026-11-20T10:00:05Z", "eventSource": "s3.amazonaws.com", "eventName": "GetBucketPolicy",
     "awsRegion": "us-east-1", "sourceIPAddress": "cloudformation.amazonaws.com", "eventType": "AwsApiCall", "readOnly": True,
     "errorCode": "AccessDenied", "errorMessage": "not authorized",
     "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::111111111111:assumed-role/ops/session", "accountId": "111111111111",
                      "sessionContext": {"sessionIssuer": {"type": "Role", "userName": "ops"}}}, "eventID": "e-2", "recipientAccountId": "111111111111"},
    {"eventVersion": "1.08", "eventTime": "yesterday", "eventSource": "sts.amazonaws.com", "eventName": "GetCallerIdentity", "sourceIPAddress": "2001:db8::1",
     "userIdentity": {"type": "IAMUser", "userName": "bob"}, "eventID": "e-3"},
]}
FLATTENER = "ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL_FLATTENER"


def flatten(con):
    """The stream holds the landing rows not yet read; the task inserts their events."""
    con.execute("CREATE OR REPLACE TABLE ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL_FILES_STREAM AS SELECT *, 'INSERT' AS \"METADATA$ACTION\" FROM ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL_FILES")
    con.execute(lake_sql(tasks()[FLATTENER]))


def test_the_cloudtrail_pipe_loads_files_into_the_landing_table_and_the_task_reads_its_stream():
    assert pipe_copy("ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL_PIPE").startswith("COPY INTO ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL_FILES (")
    task = synth_resources("snowflake_task")[FLATTENER]
    assert task["when"] == "SYSTEM$STREAM_HAS_DATA('ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL_FILES_STREAM')"
    assert "LATERAL FLATTEN(INPUT => f.DATA:Records, MODE => 'ARRAY') r" in task["sql_statement"]
    stream = synth_resources("snowflake_stream_on_table")["ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL_FILES_STREAM"]
    assert (stream["table"], stream["append_only"]) == ("ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL_FILES", "true")


def test_a_wrapped_file_becomes_one_row_per_event_with_each_events_time(lake):
    load_files(lake, "ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL_PIPE", {"a.json.gz": [CLOUDTRAIL_FILE], "empty.json.gz": [{"Records": []}],
                                                               "digest.json.gz": [{"Records": {"eventTime": "2026-11-20T10:00:00Z"}}]})
    landed = lake.execute(f"SELECT SOURCE_FILE, strftime(EVENT_TIME, {ISO}) FROM ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL_FILES ORDER BY SOURCE_FILE").fetchall()
    assert [(f, iso(t)) for f, t in landed] == [("a.json.gz", "2026-11-20T10:00:01.000Z"), ("digest.json.gz", None), ("empty.json.gz", None)]
    flatten(lake)
    rows = lake.execute(f"SELECT SOURCE_FILE, SOURCE_FILE_ROW, strftime(EVENT_TIME, {ISO}), DATA ->> '$.eventID', PARSE_TIME IS NOT NULL, PARSE_ERROR FROM ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL ORDER BY SOURCE_FILE, SOURCE_FILE_ROW").fetchall()
    # Empty Records gives no row; a bad time gives NULL, not a lost event; a Records that is not an array
    # keeps its record whole, saying why (before 0.5.0 it gave no row and was gone with the landing row).
    assert [(f, i, iso(t), e, p, err) for f, i, t, e, p, err in rows] == [
        ("a.json.gz", 0, "2026-11-20T10:00:01.000Z", "e-1", True, None),
        ("a.json.gz", 1, "2026-11-20T10:00:05.000Z", "e-2", True, None),
        ("a.json.gz", 2, None, "e-3", True, None),
        ("digest.json.gz", 1, None, None, True, "no array at Records: the record is kept whole"),
    ]


def test_the_cloudtrail_view_reads_typed_columns_and_indicators_per_event(lake):
    load_files(lake, "ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL_PIPE", {"a.json.gz": [CLOUDTRAIL_FILE]})
    flatten(lake)
    rows = sorted(read_view(lake, "ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL_EVENTS"), key=lambda r: r["record_index"])
    assert [(r["event_name"], r["identity_type"], r["error_code"], r["read_only"]) for r in rows] == [
        ("StartInstances", "IAMUser", None, False), ("GetBucketPolicy", "AssumedRole", "AccessDenied", True), ("GetCallerIdentity", "IAMUser", None, None)]
    # A service name in sourceIPAddress is no IP indicator; IPv6 is.
    assert [r["ip_indicators"] for r in rows] == [["198.51.100.7"], [], ["2001:db8::1"]]
    assert [r["user_indicators"] for r in rows] == [["alice"], ["ops"], ["bob"]]


def test_the_per_event_table_feeds_the_canary(lake):
    load_files(lake, "ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL_PIPE", {"a.json.gz": [CLOUDTRAIL_FILE]})
    flatten(lake)
    run(lake, "ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL_CANARY")
    assert alerts(lake) == []


def test_the_landing_cleaner_purges_landing_rows_after_a_week_by_load_time(lake):
    for name, days in [("old", 8), ("new", 6)]:
        lake.execute(f"INSERT INTO ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL_FILES (DATA, PARSE_TIME, SOURCE_FILE, SOURCE_FILE_ROW) VALUES ('{{}}', now() - INTERVAL {days} DAY, '{name}', 1)")
    run(lake, "ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL_FILES_CLEANER")
    assert remaining(lake, "GLOBEX.CLOUDTRAIL_FILES") == [("new",)]


# Sample events of the other catalog types, written from each vendor's documented schema.
OKTA_EVENT = {"uuid": "9d1b1e3a-0000-11ef-8000-000000000001", "published": "2026-11-20T09:15:42.123Z", "eventType": "user.session.start",
              "displayMessage": "User login to Okta", "severity": "INFO", "version": "0",
              "actor": {"id": "00u1abcd", "type": "User", "alternateId": "carol@globex.example", "displayName": "Carol"},
              "client": {"ipAddress": "203.0.113.9", "userAgent": {"rawUserAgent": "Mozilla/5.0"}, "geographicalContext": {"country": "United States"}},
              "outcome": {"result": "FAILURE", "reason": "INVALID_CREDENTIALS"}, "authenticationContext": {"externalSessionId": "idx-1"},
              "target": [{"id": "0oa1", "type": "AppInstance"}]}
GSUITE_ACTIVITY = {"kind": "admin#reports#activity", "id": {"time": "2026-11-20T08:00:00.000Z", "uniqueQualifier": "-12345", "applicationName": "login", "customerId": "C01abc"},
                   "actor": {"callerType": "USER", "email": "dave@globex.example", "profileId": "1001"}, "ipAddress": "192.0.2.44",
                   "events": [{"type": "login", "name": "login_success", "parameters": [{"name": "login_type", "value": "google_password"}]}]}
GUARDDUTY_FINDING = {"schemaVersion": "2.0", "accountId": "111111111111", "region": "us-east-1", "id": "f-1", "type": "UnauthorizedAccess:EC2/SSHBruteForce",
                     "title": "SSH brute force attacks against i-0abc.", "severity": 2, "createdAt": "2026-11-19T22:00:00.000Z", "updatedAt": "2026-11-20T07:30:00.000Z",
                     "resource": {"resourceType": "Instance", "instanceDetails": {"instanceId": "i-0abc", "networkInterfaces": [{"publicIp": "198.51.100.20"}]}},
                     "service": {"archived": False, "count": 14, "action": {"actionType": "NETWORK_CONNECTION",
                                 "networkConnectionAction": {"connectionDirection": "INBOUND", "remoteIpDetails": {"ipAddressV4": "203.0.113.50"}}}}}
DNS_QUERY = {"version": "1.100000", "account_id": "111111111111", "region": "us-east-1", "vpc_id": "vpc-0abc", "query_timestamp": "2026-11-20T06:45:10Z",
             "query_name": "example.com.", "query_type": "A", "query_class": "IN", "rcode": "NOERROR", "answers": [{"Rdata": "93.184.216.34", "Type": "A", "Class": "IN"}],
             "srcaddr": "10.0.0.15", "srcport": "53533", "transport": "UDP", "srcids": {"instance": "i-0abc"}}
GITHUB_EVENT = {"@timestamp": 1763626800000, "_document_id": "doc-1", "action": "repo.destroy", "actor": "mallory", "actor_id": 42, "actor_ip": "198.51.100.99",
                "actor_location": {"country_code": "DE"}, "business": "globex", "org": "globex-eng", "repo": "globex-eng/api", "user": "eve",
                "operation_type": "remove", "user_agent": "Mozilla/5.0", "created_at": 1763626800000}


def test_okta_events_load_and_read_through_the_catalog(lake):
    load_files(lake, "ACME_LOGS_PROD.GLOBEX.OKTA_PIPE", {"o.json.gz": [OKTA_EVENT, {**OKTA_EVENT, "uuid": "x", "published": "garbage", "actor": {"alternateId": "svc-bot"}}]})
    rows = sorted(read_view(lake, "ACME_LOGS_PROD.GLOBEX.OKTA_EVENTS"), key=lambda r: r["event_id"])
    first = rows[0]
    assert iso(first["event_time"]) == "2026-11-20T09:15:42.123Z"
    assert (first["event_type"], first["actor"], first["client_ip"], first["outcome"], first["outcome_reason"], first["client_country"]) == (
        "user.session.start", "carol@globex.example", "203.0.113.9", "FAILURE", "INVALID_CREDENTIALS", "United States")
    assert (first["ip_indicators"], first["email_indicators"], first["user_indicators"]) == (["203.0.113.9"], ["carol@globex.example"], ["carol@globex.example"])
    # An alternateId that is no e-mail address is a user indicator only; a bad time is NULL.
    assert (rows[1]["event_time"], rows[1]["email_indicators"], rows[1]["user_indicators"]) == (None, [], ["svc-bot"])


def test_google_workspace_activities_load_and_read_through_the_catalog(lake):
    load_files(lake, "ACME_LOGS_PROD.GLOBEX.GSUITE_AUDIT_PIPE", {"g.json.gz": [GSUITE_ACTIVITY]})
    [row] = read_view(lake, "ACME_LOGS_PROD.GLOBEX.GSUITE_AUDIT_EVENTS")
    assert iso(row["event_time"]) == "2026-11-20T08:00:00.000Z"
    assert (row["application_name"], row["actor_email"], row["event_name"], row["ip_address"]) == ("login", "dave@globex.example", "login_success", "192.0.2.44")
    assert (row["ip_indicators"], row["email_indicators"]) == (["192.0.2.44"], ["dave@globex.example"])


def test_guardduty_findings_load_and_read_through_the_catalog(lake):
    load_files(lake, "ACME_LOGS_PROD.GLOBEX.GUARDDUTY_PIPE", {"f.jsonl.gz": [GUARDDUTY_FINDING]})
    [row] = read_view(lake, "ACME_LOGS_PROD.GLOBEX.GUARDDUTY_FINDINGS")
    assert iso(row["event_time"]) == "2026-11-20T07:30:00.000Z"
    assert iso(row["created_at"]) == "2026-11-19T22:00:00.000Z"
    assert (row["finding_type"], row["severity"], row["occurrences"], row["action_type"], row["archived"]) == ("UnauthorizedAccess:EC2/SSHBruteForce", 2.0, 14, "NETWORK_CONNECTION", False)
    assert (row["ip_indicators"], row["user_indicators"]) == (["203.0.113.50", "198.51.100.20"], [])


def test_route53_resolver_queries_load_and_read_through_the_catalog(lake):
    load_files(lake, "ACME_LOGS_PROD.GLOBEX.DNS_QUERIES_PIPE", {"q.log.gz": [DNS_QUERY]})
    [row] = read_view(lake, "ACME_LOGS_PROD.GLOBEX.DNS_QUERIES_QUERIES")
    assert iso(row["event_time"]) == "2026-11-20T06:45:10.000Z"
    assert (row["query_name"], row["query_type"], row["rcode"], row["src_instance"]) == ("example.com.", "A", "NOERROR", "i-0abc")
    assert (row["ip_indicators"], row["domain_indicators"]) == (["10.0.0.15"], ["example.com"])


def test_github_audit_events_load_with_epoch_millisecond_times(lake):
    load_files(lake, "ACME_LOGS_PROD.GLOBEX.GITHUB_AUDIT_PIPE", {"a.json.gz": [GITHUB_EVENT, {**GITHUB_EVENT, "_document_id": "doc-2", "@timestamp": "soon"}]})
    rows = sorted(read_view(lake, "ACME_LOGS_PROD.GLOBEX.GITHUB_AUDIT_EVENTS"), key=lambda r: r["document_id"])
    assert iso(rows[0]["event_time"]) == "2025-11-20T08:20:00.000Z"
    assert (rows[0]["action"], rows[0]["actor"], rows[0]["actor_id"], rows[0]["actor_country"], rows[0]["repo"]) == ("repo.destroy", "mallory", 42, "DE", "globex-eng/api")
    assert (rows[0]["ip_indicators"], rows[0]["user_indicators"]) == (["198.51.100.99"], ["mallory", "eve"])
    assert rows[1]["event_time"] is None


# A VPC flow log row as the Parquet files carry it (columns of the default format, the types of the
# VPC user guide's Athena table: start/end bigint Unix seconds, ports int, bytes bigint).
VPC_FLOW_ROW = {"version": 2, "account_id": "111111111111", "interface_id": "eni-0abc", "srcaddr": "203.0.113.12", "dstaddr": "10.0.1.5",
                "srcport": 49761, "dstport": 22, "protocol": 6, "packets": 20, "bytes": 4249, "start": 1763622000, "end": 1763622060,
                "action": "REJECT", "log_status": "OK"}


def test_vpc_flow_parquet_rows_load_with_epoch_second_times(lake):
    assert "FORMAT_NAME = 'ACME_LOGS_PROD.GLOBEX.VPC_FLOW_PARQUET'" in pipe_copy("ACME_LOGS_PROD.GLOBEX.VPC_FLOW_PIPE")
    fmt = [f for f in synth_resources("snowflake_file_format").values() if f["name"] == "VPC_FLOW_PARQUET"][0]
    assert fmt["format_type"] == "PARQUET" and "strip_outer_array" not in fmt
    load_files(lake, "ACME_LOGS_PROD.GLOBEX.VPC_FLOW_PIPE", {"f.log.parquet": [VPC_FLOW_ROW, {**VPC_FLOW_ROW, "interface_id": "eni-nodata", "start": None, "log_status": "NODATA"}]})
    rows = sorted(read_view(lake, "ACME_LOGS_PROD.GLOBEX.VPC_FLOW_FLOWS"), key=lambda r: r["interface_id"])
    assert (iso(rows[0]["event_time"]), iso(rows[0]["end_time"])) == ("2025-11-20T07:00:00.000Z", "2025-11-20T07:01:00.000Z")
    assert (rows[0]["src_addr"], rows[0]["dst_port"], rows[0]["protocol"], rows[0]["bytes"], rows[0]["action"]) == ("203.0.113.12", 22, 6, 4249, "REJECT")
    assert rows[0]["ip_indicators"] == ["203.0.113.12", "10.0.1.5"]
    assert (rows[1]["event_time"], rows[1]["log_status"]) == (None, "NODATA")


# ---- a load that keeps every record (issue 17, items 3-5) ----
#
# Each case runs the pipe's exact COPY of a catalog source over a file holding the hostile input between
# good records, the way Snowflake documents the file format and ON_ERROR (see load_files), and checks
# that no record is lost: every line of the file is a row, the good ones parsed, the bad one kept as text.

# What a row can hold (docs/loading.md): a line is parsed up to MAX_PARSED_RECORD_CHARS characters;
# RAW_TEXT keeps at most RAW_TEXT_CHARS of a line that is not.
MAX_PARSED_RECORD_CHARS = 64 * 1024 * 1024
RAW_TEXT_CHARS = 16 * 1024 * 1024


def rows_of(con, table, file):
    """(row number, parsed?, RAW_TEXT, PARSE_ERROR is set, EVENT_TIME as ISO text) of one file's rows, in file order."""
    columns = {c for c, *_ in con.execute(f"DESCRIBE {table}").fetchall()}
    raw, error = [c if c in columns else "NULL" for c in ("RAW_TEXT", "PARSE_ERROR")]  # a table of 0.4.0 has neither
    return con.execute(
        f"SELECT SOURCE_FILE_ROW, DATA IS NOT NULL, {raw}, {error} IS NOT NULL, strftime(EVENT_TIME, {ISO}) FROM {table} WHERE SOURCE_FILE = ? ORDER BY SOURCE_FILE_ROW",
        [file],
    ).fetchall()


def lines(*records):
    """A file's text: dicts as one JSON document per line, strings as they are."""
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


TRUNCATED = '{"uuid": "cut-off", "published": "2026-11-20T09:16:00.000Z", "eventType": "user.sessi'
DUPLICATE_KEYS = '{"uuid": "dup", "published": "2026-11-20T09:17:00.000Z", "actor": {"alternateId": "a@globex.example"}, "actor": {"alternateId": "b@globex.example"}}'


def test_a_malformed_line_mid_file_is_kept_as_text_and_the_rest_of_the_file_loads(lake):
    okta = "ACME_LOGS_PROD.GLOBEX.OKTA"
    load = load_files(lake, okta + "_PIPE", {"o.json.gz": lines(OKTA_EVENT, TRUNCATED, DUPLICATE_KEYS, "not json at all", {**OKTA_EVENT, "uuid": "last"})})
    assert (load.skipped["o.json.gz"], load.rejected["o.json.gz"]) == (False, []), load
    rows = rows_of(lake, okta, "o.json.gz")
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5], "every line of the file is a row"
    # Good lines parse; the malformed ones are kept whole, with why they did not parse.
    assert [(parsed, raw, error) for _, parsed, raw, error, _ in rows if not parsed] == [(False, TRUNCATED, True), (False, "not json at all", True)]
    assert [(r[1], r[2], r[3]) for r in rows if r[0] in (1, 5)] == [(True, None, False), (True, None, False)]
    # Duplicate keys (allowed by the JSON reader Snowflake's CHECK_JSON stands in for here, or not): the record is kept either way.
    assert rows[2][1] or rows[2][2] == DUPLICATE_KEYS
    last = lake.execute(f"SELECT DATA ->> '$.uuid' FROM {okta} WHERE SOURCE_FILE_ROW = 5").fetchone()
    assert last == ("last",)


def test_a_line_too_big_to_read_is_rejected_alone_and_the_rest_of_the_file_loads(lake):
    # Over the 128 MB Snowflake reads of one value: that line can be nobody's row, but it must not take the file with it.
    huge = '{"id": {"time": "2026-11-20T08:00:00.000Z"}, "padding": "' + "x" * STAGE_READ_LIMIT + '"}'
    table = "ACME_LOGS_PROD.GLOBEX.GSUITE_AUDIT"
    load = load_files(lake, table + "_PIPE", {"g.json.gz": lines(GSUITE_ACTIVITY, huge, {**GSUITE_ACTIVITY, "ipAddress": "192.0.2.45"})})
    del huge
    assert load.skipped["g.json.gz"] is False
    assert [i for i, _ in load.rejected["g.json.gz"]] == [2], "only the oversized line is rejected (COPY_HISTORY and the load-failure monitor see it)"
    assert [(r[0], r[1]) for r in rows_of(lake, table, "g.json.gz")] == [(1, True), (3, True)]


def test_a_record_too_big_to_parse_is_kept_as_its_first_characters(lake):
    limit = MAX_PARSED_RECORD_CHARS
    big = '{"id": {"time": "2026-11-20T08:00:00.000Z"}, "padding": "' + "y" * limit + '"}'
    table = "ACME_LOGS_PROD.GLOBEX.GSUITE_AUDIT"
    load_files(lake, table + "_PIPE", {"g.json.gz": lines(GSUITE_ACTIVITY, big, GSUITE_ACTIVITY)})
    rows = lake.execute(f"SELECT SOURCE_FILE_ROW, DATA IS NULL, LENGTH(RAW_TEXT), LEFT(RAW_TEXT, 20), PARSE_ERROR FROM {table} ORDER BY SOURCE_FILE_ROW").fetchall()
    del big
    assert [(r[0], r[1]) for r in rows] == [(1, False), (2, True), (3, False)]
    assert (rows[1][2], rows[1][3]) == (RAW_TEXT_CHARS, '{"id": {"time": "202')
    assert f"{limit + 59} characters" in rows[1][4], rows[1][4]


GITHUB = "ACME_LOGS_PROD.GLOBEX.GITHUB_AUDIT"


def test_hostile_epoch_times_neither_fail_the_file_nor_claim_a_time_outside_the_sane_range(lake):
    hostile = [99999999999999999999, -5, "1e30", "12abc", 0, 4070908800000, 946684799999, {"nested": 1}, [1, 2], True, None]
    events = [GITHUB_EVENT] + [{**GITHUB_EVENT, "_document_id": f"h{i}", "@timestamp": v} for i, v in enumerate(hostile)] + [{**GITHUB_EVENT, "_document_id": "last"}]
    load = load_files(lake, GITHUB + "_PIPE", {"a.json.gz": events})
    assert (load.skipped["a.json.gz"], load.rejected["a.json.gz"]) == (False, []), load
    rows = rows_of(lake, GITHUB, "a.json.gz")
    assert len(rows) == len(events)
    # The good events keep their time; 1970, 2099, a millisecond before 2000 and every non-time are NULL, never a failed load.
    assert [r[4] for r in rows] == ["2025-11-20T08:20:00.000Z"] + [None] * len(hostile) + ["2025-11-20T08:20:00.000Z"]


OKTA = "ACME_LOGS_PROD.GLOBEX.OKTA"


def test_hostile_iso_times_are_clamped_to_the_sane_range_and_never_fail_the_file(lake):
    times = ["1970-01-01T00:00:00Z", "1999-12-31T23:59:59.999Z", "2000-01-01T00:00:00.000Z", "2099-01-01T00:00:00Z", "+275760-09-13T00:00:00Z",
             "9999-12-31T23:59:59Z", "0000-00-00T00:00:00Z", "2026-13-45T99:99:99Z", "", "x" * 10000]
    events = [{**OKTA_EVENT, "uuid": f"t{i}", "published": t} for i, t in enumerate(times)]
    load = load_files(lake, OKTA + "_PIPE", {"t.json.gz": events})
    assert (load.skipped["t.json.gz"], load.rejected["t.json.gz"]) == (False, []), load
    assert [r[4] for r in rows_of(lake, OKTA, "t.json.gz")] == [None, None, "2000-01-01T00:00:00.000Z"] + [None] * 7


def test_an_event_time_a_little_ahead_of_the_load_is_kept_and_a_day_ahead_is_not(lake):
    load_files(lake, OKTA + "_PIPE", {"f.json.gz": [{**OKTA_EVENT, "uuid": "skew", "published": "2026-06-01T00:10:00Z"},
                                                   {**OKTA_EVENT, "uuid": "ahead", "published": "2026-06-02T00:00:01Z"}]},
               scan_time="TIMESTAMPTZ '2026-06-01 00:00:00+00'")
    assert [r[4] for r in rows_of(lake, OKTA, "f.json.gz")] == ["2026-06-01T00:10:00.000Z", None]


def test_hostile_epoch_seconds_in_a_parquet_row_do_not_skip_the_file(lake):
    rows = [VPC_FLOW_ROW, {**VPC_FLOW_ROW, "interface_id": "eni-far", "start": 10**15}, {**VPC_FLOW_ROW, "interface_id": "eni-1970", "start": 0},
            {**VPC_FLOW_ROW, "interface_id": "eni-text", "start": "soon"}, {**VPC_FLOW_ROW, "interface_id": "eni-last"}]
    load = load_files(lake, "ACME_LOGS_PROD.GLOBEX.VPC_FLOW_PIPE", {"f.log.parquet": rows})
    assert (load.skipped["f.log.parquet"], load.loaded["f.log.parquet"]) == (False, 5), load
    got = lake.execute(f"SELECT DATA ->> '$.interface_id', strftime(EVENT_TIME, {ISO}) FROM ACME_LOGS_PROD.GLOBEX.VPC_FLOW ORDER BY SOURCE_FILE_ROW").fetchall()
    assert got == [("eni-0abc", "2025-11-20T07:00:00.000Z"), ("eni-far", None), ("eni-1970", None), ("eni-text", None), ("eni-last", "2025-11-20T07:00:00.000Z")]


def test_a_hostile_epoch_in_a_row_does_not_break_the_view_that_reads_it(lake):
    # A view converting a number with TO_TIMESTAMP_TZ fails every query that reaches an out-of-range value:
    # one record would blind every reader of the view. The catalog's flow end time is read the load's way.
    rows = [VPC_FLOW_ROW, {**VPC_FLOW_ROW, "interface_id": "eni-far", "end": 10**15}, {**VPC_FLOW_ROW, "interface_id": "eni-text", "end": "later"}]
    load_files(lake, "ACME_LOGS_PROD.GLOBEX.VPC_FLOW_PIPE", {"f.log.parquet": rows})
    flows = sorted(read_view(lake, "ACME_LOGS_PROD.GLOBEX.VPC_FLOW_FLOWS"), key=lambda r: r["interface_id"])
    assert [(r["interface_id"], r["end_time"]) for r in flows] == [("eni-0abc", "2025-11-20T07:01:00.000Z"), ("eni-far", None), ("eni-text", None)]


def test_a_malformed_or_unwrapped_cloudtrail_file_is_kept_in_the_per_event_table(lake):
    cut = json.dumps(CLOUDTRAIL_FILE)[:700]
    load = load_files(lake, "ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL_PIPE", {"a.json.gz": [CLOUDTRAIL_FILE], "cut.json.gz": cut + "\n",
                                                                      "digest.json.gz": [{"awsAccountId": "111111111111", "digestEndTime": "2026-11-20T11:00:00Z"}],
                                                                      "empty.json.gz": [{"Records": []}]})
    assert not any(load.skipped.values()) and not any(load.rejected.values()), load
    flatten(lake)
    got = lake.execute("SELECT SOURCE_FILE, SOURCE_FILE_ROW, DATA ->> '$.eventID', RAW_TEXT, PARSE_ERROR IS NOT NULL FROM ACME_LOGS_PROD.GLOBEX.CLOUDTRAIL ORDER BY SOURCE_FILE, SOURCE_FILE_ROW").fetchall()
    assert [(f, i, e, r is not None, err) for f, i, e, r, err in got] == [
        ("a.json.gz", 0, "e-1", False, False), ("a.json.gz", 1, "e-2", False, False), ("a.json.gz", 2, "e-3", False, False),
        ("cut.json.gz", 1, None, True, True),  # the file as it came, and why it was not flattened
        ("digest.json.gz", 1, None, False, True),  # no Records array: the record whole, with why
    ]
    assert [r for f, _, _, r, _ in got if f == "cut.json.gz"] == [cut]


def test_the_harness_models_the_loss_the_json_format_would_cause(lake):
    # Guard against a harness that cannot fail: the same malformed file through a JSON file format (what
    # the pipes used before 0.5.0) loses every record after the bad one, as the COPY documentation says.
    fmt = {"format_type": "JSON", "allow_duplicate": False}
    rows, stopped = staged_rows(fmt, lines(OKTA_EVENT, TRUNCATED, OKTA_EVENT))
    assert ([i for i, v, _ in rows if v is not None], stopped) == ([1], True)


# ---- retention by load time: whatever time an event claims, it stays as long as its load says ----

def keep(con, table, name, loaded_days_ago, event_time):
    event = "NULL" if event_time is None else f"TIMESTAMPTZ '{event_time}'"
    con.execute(f"INSERT INTO ACME_LOGS_PROD.{table} VALUES ('{{}}', now() - INTERVAL {loaded_days_ago} DAY, {event}, '{name}', 1)")


def test_every_cleaner_purges_by_load_time_whatever_the_event_claims(db):
    # Rows loaded before 0.5.0 still hold unclamped event times: a device clock at 1970, a forged 2099.
    for table, days in [("GLOBEX.OKTA", 180), ("GLOBEX.GSUITE_AUDIT", 365)]:
        keep(db, table, "a-1970-loaded-yesterday", 1, "1970-01-01 00:00:00+00")
        keep(db, table, "b-2099-loaded-today", 0, "2099-01-01 00:00:00+00")
        keep(db, table, f"c-2099-loaded-{days + 1}-days-ago", days + 1, "2099-01-01 00:00:00+00")
        keep(db, table, f"d-1990-loaded-{days - 1}-days-ago", days - 1, "1990-01-01 00:00:00+00")
        keep(db, table, f"e-no-time-loaded-{days + 1}-days-ago", days + 1, None)
        run(db, f"ACME_LOGS_PROD.{table}_CLEANER")
        assert remaining(db, table) == [("a-1970-loaded-yesterday",), ("b-2099-loaded-today",), (f"d-1990-loaded-{days - 1}-days-ago",)], table


def test_no_cleaner_reads_the_event_time():
    for name, sql in tasks().items():
        if name.endswith("_CLEANER"):
            assert "EVENT_TIME" not in sql.upper() and re.search(r"\bWHERE PARSE_TIME < ", sql), (name, sql)


# ---- lakehouse backfill: the already-loaded query and the progress read-back, on data ----
#
# The statements are the ones the backfill's builders make (node dist/tools/backfill-sql.js, written
# beside the synth by scripts/checks.sh), with the scenario and its expected result computed there.

def backfill_logic():
    path = os.path.join(OUT, "backfill-sql.json")
    assert os.path.exists(path), f"{path} is missing: scripts/checks.sh writes it with node dist/tools/backfill-sql.js"
    with open(path) as f:
        return json.load(f)["logic"]


DUCK_TYPES = {"VARCHAR": "VARCHAR", "TIMESTAMP_TZ": "TIMESTAMPTZ", "TIMESTAMP_LTZ": "TIMESTAMPTZ", "NUMBER": "BIGINT", "VARIANT": "JSON"}


def test_backfill_already_loaded_query_returns_exactly_the_loaded_files_of_the_range_in_either_spelling(db):
    s = backfill_logic()["loaded"]
    for name in s["rows"]:
        db.execute(f"INSERT INTO {s['table']} (SOURCE_FILE) VALUES (?)", [name])
    # The engine asks for the date folders' ranges and for the files found by LastModified by name.
    got = sorted({r[0] for q in s["queries"] for r in db.execute(to_duckdb(q)).fetchall()})
    assert got == s["expect"]
    # The quote and the backslash survived the literals: those names came back as stored.
    assert any("it's" in g for g in got) and any("\\" in g for g in got)


def test_backfill_progress_read_back_is_the_latest_run_of_the_same_range_in_order(db):
    p = backfill_logic()["progress"]
    db.execute("CREATE SCHEMA ACME_LOGS_PROD.BACKFILL")
    columns = ", ".join(
        f"{c['name']} {DUCK_TYPES[c['type'].split('(')[0]]}" + (" DEFAULT now()" if c.get("default") == "CURRENT_TIMESTAMP()" else "")
        for c in p["columns"]
    )
    db.execute(f"CREATE TABLE {p['table']} ({columns})")
    for sql in p["inserts"]:
        db.execute(to_duckdb(sql))
        time.sleep(0.002)  # RECORDED_AT (now(), per statement) orders the rows
    rows = db.execute(to_duckdb(p["query"])).fetchall()
    assert [[r[0], r[1], r[2]] for r in rows] == p["expect"]
    assert json.loads(rows[1][3]) == p["expectFiles"]
    assert (rows[2][6], rows[2][7]) == (7, 1)
