/** Views, search optimization and clustering of a log table, and the checks of the SQL users write for them. */

/** A view body: the user's select list over the log table. */
export function viewStatement(selectList: string, table: string): string {
  return `SELECT\n  ${selectList.trim()}\nFROM ${table}`;
}

/** Search optimization on one VARIANT path (table-level enabling does not cover VARIANT). */
export function searchOptimizationStatements(table: string, path: string): { add: string; drop: string } {
  const on = `ON EQUALITY(DATA:${path})`;
  return {
    add: `ALTER TABLE ${table} ADD SEARCH OPTIMIZATION ${on}`,
    drop: `ALTER TABLE ${table} DROP SEARCH OPTIMIZATION ${on}`,
  };
}

/**
 * `text` with everything inside quotes and parentheses blanked (same length), so keywords and
 * separators can be looked for at the top level only; or the lexical problem that stops it: no
 * statement separators or comments that could smuggle a second statement, balanced quotes and
 * parentheses. Quotes are read as Snowflake reads them ("String & binary data types", "Comments"):
 * in a '…' string a backslash escapes the next character and '' is a quote; in a "…" identifier
 * "" is a quote; $$…$$ is a string with no escapes; --, // and /* start comments. Read any other
 * way, text that looks quoted here could end its string in Snowflake and run as SQL.
 */
function topLevel(text: string): { masked: string } | { problem: string } {
  let depth = 0;
  let masked = "";
  let i = 0;
  const skipTo = (end: number) => {
    masked += " ".repeat(end - i);
    i = end;
  };
  while (i < text.length) {
    const c = text[i];
    const two = text.slice(i, i + 2);
    if (c === "'" || c === '"') {
      let j = i + 1;
      for (; j < text.length; j++) {
        if (c === "'" && text[j] === "\\") j++;
        else if (text[j] === c) {
          if (text[j + 1] === c) j++;
          else break;
        }
      }
      if (j >= text.length) return { problem: `has an unclosed ${c}` };
      skipTo(j + 1);
    } else if (two === "$$") {
      const j = text.indexOf("$$", i + 2);
      if (j < 0) return { problem: "has an unclosed $$" };
      skipTo(j + 2);
    } else if (two === "--" || two === "//" || two === "/*") {
      return { problem: "must not contain comments" };
    } else if (c === ";") {
      return { problem: "must not contain ';' (one select list, not statements)" };
    } else {
      if (c === "(") depth++;
      else if (c === ")" && --depth < 0) return { problem: "has a ')' without its '('" };
      masked += depth > 0 || c === "(" ? " " : c;
      i++;
    }
  }
  if (depth !== 0) return { problem: "has unbalanced parentheses" };
  return { masked };
}

/**
 * A light guard on user-written select lists before they reach a CREATE VIEW (see `topLevel`).
 * Full parsing happens in the tests; this catches mistakes at synth with a clear message.
 */
export function selectListProblem(selectList: string): string | undefined {
  if (selectList.trim() === "") return "must not be empty";
  const scan = topLevel(selectList);
  if ("problem" in scan) return scan.problem;
  if (/^\s*select\b/i.test(selectList)) return "is the select list only, without the SELECT keyword";
  return undefined;
}

/**
 * What is wrong with a clustering key, an expression the provider writes into `CLUSTER BY (…)`:
 * quotes or ';', comments, an unclosed $$ string, or parentheses that do not balance (a ')' would
 * close the clause and let the rest of the key write table options).
 */
export function clusteringKeyProblem(key: string): string | undefined {
  if (/[;'"]/.test(key)) return "must be an expression without quotes or ';'";
  const scan = topLevel(key);
  return "problem" in scan ? scan.problem : undefined;
}

/**
 * A view as the config writes it: `selectList` is what goes between SELECT and FROM; `from` is the
 * table a whole statement named, one to three parts (`TABLE`, `SCHEMA.TABLE`, `DB.SCHEMA.TABLE`),
 * upper-cased unless quoted — none when only a select list was given.
 */
export interface ViewDefinition {
  readonly selectList: string;
  readonly from?: readonly string[];
}

const NAME_PART = `(?:[A-Za-z_][A-Za-z0-9_$]*|"[^"]+")`;

const TABLE_NAME = new RegExp(`^\\s*(${NAME_PART}(?:\\s*\\.\\s*${NAME_PART}){0,2})\\s*$`);

/**
 * Reads a view: a select list (`event_time, data:ip AS ip`), or a whole `SELECT <list> FROM <table>`
 * as seed 002 writes them. A whole statement may only select from one table, with nothing after
 * it: no joins, second tables, aliases, WHERE or set operations. Which table it may name is checked
 * by `viewSourceProblem`.
 */
export function parseViewDefinition(text: string): ViewDefinition | { problem: string } {
  if (!/^\s*select\b/i.test(text)) {
    const problem = selectListProblem(text);
    return problem ? { problem } : { selectList: text.trim() };
  }
  const scan = topLevel(text);
  if ("problem" in scan) return scan;
  // Not a JSON path element named from (`data:from`, `data:a.from`).
  const froms = [...scan.masked.matchAll(/(?<![:.])\bfrom\b/gi)];
  if (froms.length === 0) return { problem: "starts with SELECT but has no FROM: give the select list alone, or the whole SELECT … FROM <this table>" };
  if (froms.length > 1) return { problem: "has more than one FROM: a view selects from its own table only (no UNION or second query)" };
  const keyword = /^\s*select\b/i.exec(text)![0].length;
  const selectList = text.slice(keyword, froms[0].index).trim();
  if (selectList === "") return { problem: "selects nothing: the select list between SELECT and FROM is empty" };
  const after = text.slice(froms[0].index + 4);
  const table = TABLE_NAME.exec(after);
  if (!table) {
    const shown = after.trim().replace(/\s+/g, " ");
    return {
      problem: `may only select FROM its own table, with nothing after it (no JOIN, second table, alias or WHERE): got FROM ${shown.length > 60 ? `${shown.slice(0, 60)}…` : shown}`,
    };
  }
  const from = table[1].split(/\s*\.\s*/).map((part) => (part.startsWith('"') ? part.slice(1, -1) : part.toUpperCase()));
  return { selectList, from };
}

/**
 * Whether a view's FROM names its own table: `table`, `schema.table`, or `database.schema.table`
 * with a database of `databases` (more than one: the view is made in several databases, so a
 * database cannot be named). Undefined when it does, or when only a select list was given.
 */
export function viewSourceProblem(
  from: readonly string[] | undefined,
  own: { readonly databases: readonly string[]; readonly schema: string; readonly table: string },
): string | undefined {
  if (from === undefined) return undefined;
  const written = from.join(".");
  const expected = [own.databases.length === 1 ? own.databases[0] : "<database>", own.schema, own.table].join(".");
  const [table, schema, database] = [...from].reverse();
  if (table !== own.table || (schema !== undefined && schema !== own.schema)) {
    return `selects FROM ${written}, not from its own table ${expected}: a view reads its source's table only (write ${own.table}, ${own.schema}.${own.table} or the full name)`;
  }
  if (database !== undefined && !(own.databases.length === 1 && own.databases[0] === database)) {
    return own.databases.length === 1
      ? `selects FROM ${written}, not from its own table ${expected}`
      : `names the database ${database}, but the view is made in ${own.databases.length} databases (${own.databases.join(", ")}): write ${own.schema}.${own.table} or ${own.table}`;
  }
  return undefined;
}
