"""The logic of the SQL the monitoring modules emit, tested on data.

The statements are taken from a real synth of the default example (LAKEHOUSE_SYNTH_OUT), transpiled
from Snowflake SQL to DuckDB with sqlglot, and run on an in-memory DuckDB holding the same tables.
What is tested is the logic of the shipped statements (windows, suppression, purge); Snowflake's own
execution is not reachable from here.
"""
import glob
import json
import os
import re

import duckdb
import pytest
import sqlglot

OUT = os.environ.get("LAKEHOUSE_SYNTH_OUT", "")


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


def to_duckdb(sql):
    return sqlglot.transpile(sql.rstrip(";"), read="snowflake", write="duckdb")[0]


@pytest.fixture()
def db():
    con = duckdb.connect()
    con.execute("ATTACH ':memory:' AS ACME_LOGS_PROD")
    for schema in ["MONITORING", "GLOBEX", "INITECH", "UMBRELLA"]:
        con.execute(f"CREATE SCHEMA ACME_LOGS_PROD.{schema}")
    con.execute("CREATE TABLE ACME_LOGS_PROD.MONITORING.ALERTS (ALERT_TIME TIMESTAMPTZ, KIND VARCHAR, SEVERITY VARCHAR, TENANT VARCHAR, SUBJECT VARCHAR, MESSAGE VARCHAR, DELIVERED_AT TIMESTAMPTZ)")
    con.execute("CREATE TABLE ACME_LOGS_PROD.MONITORING.ALERT_SUPPRESSIONS (KIND VARCHAR, SUBJECT VARCHAR, SUPPRESSED_UNTIL TIMESTAMPTZ)")
    for table in ["GLOBEX.OKTA", "GLOBEX.GSUITE_AUDIT", "INITECH.OKTA"]:
        con.execute(f"CREATE TABLE ACME_LOGS_PROD.{table} (DATA VARCHAR, PARSE_TIME TIMESTAMPTZ, EVENT_TIME TIMESTAMPTZ, SOURCE_FILE VARCHAR, SOURCE_FILE_ROW BIGINT)")
    # Pipes are RUNNING unless a test says otherwise.
    con.execute("""CREATE MACRO "SYSTEM$PIPE_STATUS"(p) AS '{"executionState":"RUNNING","pendingFileCount":0}'""")
    return con


def run_body(con, body):
    for sql in statements(body):
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


def test_purge_by_event_time_falls_back_to_load_time_when_event_time_is_null(db):
    # GLOBEX.GSUITE_AUDIT: retention 365 days, purgeOn event_time
    put(db, "GLOBEX.GSUITE_AUDIT", "a-event-366-days-ago", 1, 366)
    put(db, "GLOBEX.GSUITE_AUDIT", "b-event-364-days-ago", 400, 364)
    put(db, "GLOBEX.GSUITE_AUDIT", "c-no-event-loaded-366-days-ago", 366, None)
    put(db, "GLOBEX.GSUITE_AUDIT", "d-no-event-loaded-today", 0, None)
    run(db, "ACME_LOGS_PROD.GLOBEX.GSUITE_AUDIT_CLEANER")
    assert remaining(db, "GLOBEX.GSUITE_AUDIT") == [("b-event-364-days-ago",), ("d-no-event-loaded-today",)]


def test_the_harness_fails_on_wrong_logic(db):
    # Guard against a harness that cannot fail: a purge with the comparison reversed keeps the wrong rows.
    put(db, "GLOBEX.OKTA", "old", 200, None)
    put(db, "GLOBEX.OKTA", "new", 0, None)
    wrong = tasks()["ACME_LOGS_PROD.GLOBEX.OKTA_CLEANER"].replace("<", ">")
    db.execute(to_duckdb(wrong))
    assert remaining(db, "GLOBEX.OKTA") != [("new",)]


# ---- account monitors (SNOWFLAKE.ACCOUNT_USAGE views stood in for by tables of the same shape) ----

MONITORS = "ACME_LOGS_PROD.MONITORING."


@pytest.fixture()
def usage(db):
    db.execute("ATTACH ':memory:' AS SNOWFLAKE")
    db.execute("CREATE SCHEMA SNOWFLAKE.ACCOUNT_USAGE")
    db.execute("CREATE TABLE SNOWFLAKE.ACCOUNT_USAGE.COPY_HISTORY (TABLE_CATALOG_NAME VARCHAR, TABLE_SCHEMA_NAME VARCHAR, TABLE_NAME VARCHAR, STATUS VARCHAR, FIRST_ERROR_MESSAGE VARCHAR, LAST_LOAD_TIME TIMESTAMPTZ)")
    db.execute("CREATE TABLE SNOWFLAKE.ACCOUNT_USAGE.TASK_HISTORY (DATABASE_NAME VARCHAR, SCHEMA_NAME VARCHAR, NAME VARCHAR, STATE VARCHAR, ERROR_MESSAGE VARCHAR, COMPLETED_TIME TIMESTAMPTZ)")
    db.execute("CREATE TABLE SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY (QUERY_ID VARCHAR, QUERY_TEXT VARCHAR, QUERY_TYPE VARCHAR, DATABASE_NAME VARCHAR, USER_NAME VARCHAR, ROLE_NAME VARCHAR, WAREHOUSE_NAME VARCHAR, EXECUTION_STATUS VARCHAR, TOTAL_ELAPSED_TIME BIGINT, START_TIME TIMESTAMPTZ, END_TIME TIMESTAMPTZ)")
    return db


def full_alerts(con):
    return con.execute("SELECT KIND, SEVERITY, TENANT, SUBJECT, MESSAGE FROM ACME_LOGS_PROD.MONITORING.ALERTS ORDER BY SUBJECT").fetchall()


def test_load_failures_alert_once_per_table_in_the_database(usage):
    usage.execute("""INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.COPY_HISTORY VALUES
        ('ACME_LOGS_PROD', 'GLOBEX', 'OKTA', 'Load failed', 'bad json', now() - INTERVAL 10 MINUTE),
        ('ACME_LOGS_PROD', 'GLOBEX', 'OKTA', 'Partially loaded', 'bad row', now() - INTERVAL 20 MINUTE),
        ('ACME_LOGS_PROD', 'GLOBEX', 'CLOUDTRAIL', 'Loaded', NULL, now() - INTERVAL 5 MINUTE),
        ('OTHER_DB', 'X', 'Y', 'Load failed', 'not ours', now() - INTERVAL 5 MINUTE),
        ('ACME_LOGS_PROD', 'INITECH', 'OKTA', 'Load failed', 'too old', now() - INTERVAL 2 DAY)""")
    for _ in range(2):
        run(usage, MONITORS + "LOAD_FAILURES_MONITOR")
    assert full_alerts(usage) == [("LOAD_FAILURE", "HIGH", "globex", "ACME_LOGS_PROD.GLOBEX.OKTA", "load failed for 2 file(s); first error: bad json")]


def test_task_failures_alert_per_task(usage):
    usage.execute("""INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.TASK_HISTORY VALUES
        ('ACME_LOGS_PROD', 'GLOBEX', 'OKTA_CANARY', 'FAILED', 'table missing', now() - INTERVAL 5 MINUTE),
        ('ACME_LOGS_PROD', 'GLOBEX', 'OKTA_CLEANER', 'SUCCEEDED', NULL, now() - INTERVAL 5 MINUTE),
        ('ACME_LOGS_PROD', 'MONITORING', 'LONG_QUERIES_MONITOR', 'FAILED', 'no access', now() - INTERVAL 5 MINUTE)""")
    run(usage, MONITORS + "TASK_FAILURES_MONITOR")
    assert [(a[2], a[3]) for a in full_alerts(usage)] == [
        ("globex", "ACME_LOGS_PROD.GLOBEX.OKTA_CANARY"),
        ("*", "ACME_LOGS_PROD.MONITORING.LONG_QUERIES_MONITOR"),
    ]


def test_long_queries_over_the_threshold_alert_once_each(usage):
    usage.execute("""INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY VALUES
        ('q-long', 'select ...', 'SELECT', 'ACME_LOGS_PROD', 'ANALYST', 'READER', 'WH', 'SUCCESS', 61 * 60000, now() - INTERVAL 70 MINUTE, now() - INTERVAL 9 MINUTE),
        ('q-short', 'select ...', 'SELECT', 'ACME_LOGS_PROD', 'ANALYST', 'READER', 'WH', 'SUCCESS', 59 * 60000, now() - INTERVAL 70 MINUTE, now() - INTERVAL 11 MINUTE)""")
    run(usage, MONITORS + "LONG_QUERIES_MONITOR")
    run(usage, MONITORS + "LONG_QUERIES_MONITOR")
    assert full_alerts(usage) == [("LONG_QUERY", "MEDIUM", "*", "q-long", "query ran 61 minutes (user ANALYST, warehouse WH)")]


def monitor(region, name):
    """A monitor task of one region's platform (both regions' databases share a name)."""
    with open(os.path.join(OUT, "stacks", "platform-prod", "cdk.tf.json")) as f:
        found = json.load(f)["resource"]["snowflake_task"]
    [task] = [t for t in found.values() if t["name"] == name and t["provider"] == f"snowflake.{region}"]
    return task["sql_statement"]


GLOBEX_PURGES = {  # the cleaners of tenant globex (us-east-1), as their tasks run them
    t: tasks()[f"ACME_LOGS_PROD.GLOBEX.{t}_CLEANER"] for t in ["OKTA", "CLOUDTRAIL", "GSUITE_AUDIT"]
} if OUT else {}


def query(con, qid, text, qtype, role, user="MALLORY", database="ACME_LOGS_PROD", status="SUCCESS"):
    con.execute(
        "INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY VALUES (?, ?, ?, ?, ?, ?, 'WH', ?, 100, now() - INTERVAL 5 MINUTE, now() - INTERVAL 5 MINUTE)",
        [qid, text, qtype, database, user, role, status],
    )


def test_changes_to_log_tables_alert_unless_they_are_a_cleaners_own_purge(usage):
    query(usage, "q-drop", "DROP TABLE ACME_LOGS_PROD.GLOBEX.OKTA", "DROP", "SYSADMIN", database="OTHER")
    query(usage, "q-del", "delete from okta where 1=1", "DELETE", "SYSADMIN")
    query(usage, "q-failed", "DROP TABLE ACME_LOGS_PROD.GLOBEX.OKTA", "DROP", "SYSADMIN", status="FAIL")
    query(usage, "q-select", "select * from ACME_LOGS_PROD.GLOBEX.OKTA", "SELECT", "ACME_PROD_GLOBEX_READER")
    query(usage, "q-alerts", "UPDATE ACME_LOGS_PROD.MONITORING.ALERTS SET DELIVERED_AT = now()", "UPDATE", "SYSADMIN")
    query(usage, "q-other", "DROP TABLE OTHER_DB.S.T", "DROP", "SYSADMIN", database="OTHER_DB")
    # The cleaner's purge, by the pipeline role that owns it (TRIM: blanks around the text do not matter).
    query(usage, "q-clean", GLOBEX_PURGES["OKTA"] + " ", "DELETE", "ACME_PROD_GLOBEX_PIPELINE", user="SYSTEM")
    # The same purge by another role; another purge by the pipeline role; the pipeline role's ALTER.
    query(usage, "q-clean-as-admin", GLOBEX_PURGES["OKTA"], "DELETE", "SYSADMIN")
    query(usage, "q-wider-purge", GLOBEX_PURGES["OKTA"].replace("-180", "-1"), "DELETE", "ACME_PROD_GLOBEX_PIPELINE")
    query(usage, "q-alter", "ALTER TABLE ACME_LOGS_PROD.GLOBEX.OKTA SET DATA_RETENTION_TIME_IN_DAYS = 0", "ALTER_TABLE", "ACME_PROD_GLOBEX_PIPELINE")
    # Another tenant's purge is not expected from globex's pipeline role.
    query(usage, "q-cross", GLOBEX_PURGES["CLOUDTRAIL"].replace("GLOBEX", "INITECH"), "DELETE", "ACME_PROD_GLOBEX_PIPELINE")
    run_body(usage, monitor("us_east_1", "LOG_TABLE_CHANGES_MONITOR"))
    assert [a[3] for a in full_alerts(usage)] == ["q-alter", "q-clean-as-admin", "q-cross", "q-del", "q-drop", "q-wider-purge"]
    assert dict((a[3], a[4]) for a in full_alerts(usage))["q-drop"] == "DROP by MALLORY as SYSADMIN: DROP TABLE ACME_LOGS_PROD.GLOBEX.OKTA"


def test_each_region_expects_only_its_own_tenants_purges(usage):
    # initech and umbrella live in eu-west-1: globex's purge is a change there.
    query(usage, "q-clean", GLOBEX_PURGES["OKTA"], "DELETE", "ACME_PROD_GLOBEX_PIPELINE")
    run_body(usage, monitor("eu_west_1", "LOG_TABLE_CHANGES_MONITOR"))
    assert [a[3] for a in full_alerts(usage)] == ["q-clean"]


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
         ("TASK_FAILURES_MONITOR", "MONITORING", "SYSADMIN", "started"))
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
    usage.execute("INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.TASK_HISTORY VALUES ('ACME_LOGS_PROD', 'GLOBEX', 'A_CANARY', 'FAILED', 'x', now() - INTERVAL 5 MINUTE)")
    run(usage, MONITORS + "TASK_FAILURES_MONITOR")
    usage.execute("INSERT INTO SNOWFLAKE.ACCOUNT_USAGE.TASK_HISTORY VALUES ('ACME_LOGS_PROD', 'GLOBEX', 'B_CANARY', 'FAILED', 'y', now() - INTERVAL 1 MINUTE)")
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
