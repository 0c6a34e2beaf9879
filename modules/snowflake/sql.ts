/**
 * The SQL builders every Snowflake module shares: literals and the JSON path form. Each module's own
 * statements live beside it (`<module>/sql.ts`), the CLI's backfill statements in cli/backfill/sql.ts;
 * every string is syntax-checked by the tests (test/sql-syntax.test.ts, scripts/check-sql.py).
 */

/**
 * A path into a JSON record, as users write it: `id.time`, `events[0].name`, `"@timestamp"`,
 * `detail."user-name"`. Element names are case-sensitive in Snowflake; quoting keeps odd ones literal.
 */
export const JSON_PATH = /^(?:[A-Za-z_][A-Za-z0-9_$]*|"[^"\\']+")(?:\.(?:[A-Za-z_][A-Za-z0-9_$]*|"[^"\\']+")|\[\d+\])*$/;

export const JSON_PATH_HINT = `a JSON path such as id.time, events[0].name or "@timestamp"`;

/**
 * A SQL string literal for any text: quotes doubled and backslashes doubled, because Snowflake reads
 * backslash escapes inside single quotes (`\\'` would otherwise end nothing and let the rest run).
 */
export function literal(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

/** A string literal for any text, file names included: the same as `literal`, under the name its callers use. */
export function textLiteral(value: string): string {
  return literal(value);
}

/** Statements run in order by one task, as a Snowflake Scripting block. */
export function scriptingBlock(statements: readonly string[]): string {
  return [
    "BEGIN",
    ...statements.map(
      (s) =>
        `${s
          .split("\n")
          .map((l) => `  ${l}`)
          .join("\n")};`,
    ),
    "END",
  ].join("\n");
}
