/**
 * Line diffs for the report: SQL and policy documents are read line by line, not as one long string.
 * A plain LCS over lines is enough for what we diff (SQL of a few hundred lines, policies); no
 * dependency for ~50 lines of code.
 */

export interface DiffLine {
  readonly op: " " | "-" | "+";
  readonly text: string;
}

/** Above this many lines on a side the LCS table (n×m) is not built: whole-side replace instead. */
const MAX_LINES = 2000;

/** Line-by-line diff of two texts (longest common subsequence of lines). */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = before === "" ? [] : before.split("\n");
  const b = after === "" ? [] : after.split("\n");
  if (a.length > MAX_LINES || b.length > MAX_LINES) return [...a.map((text) => ({ op: "-" as const, text })), ...b.map((text) => ({ op: "+" as const, text }))];
  // lcs[i][j]: length of the LCS of a[i..] and b[j..]
  const lcs: Uint32Array[] = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ op: " ", text: a[i] });
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push({ op: "-", text: a[i++] });
    else out.push({ op: "+", text: b[j++] });
  }
  while (i < a.length) out.push({ op: "-", text: a[i++] });
  while (j < b.length) out.push({ op: "+", text: b[j++] });
  return out;
}

/**
 * The diff as `diff`-block lines, unchanged lines kept only within `context` lines of a change
 * (`…` marks what was skipped). Empty when the texts are equal.
 */
export function unifiedLines(before: string, after: string, context = 3): string[] {
  const lines = diffLines(before, after);
  if (lines.every((l) => l.op === " ")) return [];
  const keep = lines.map(() => false);
  lines.forEach((l, k) => {
    if (l.op === " ") return;
    for (let x = Math.max(0, k - context); x <= Math.min(lines.length - 1, k + context); x++) keep[x] = true;
  });
  const out: string[] = [];
  let skipped = false;
  lines.forEach((l, k) => {
    if (!keep[k]) {
      if (!skipped) out.push("  …");
      skipped = true;
      return;
    }
    skipped = false;
    out.push(`${l.op} ${l.text}`);
  });
  return out;
}

/** A policy document (JSON string or object) pretty-printed, so its diff is per line; else undefined. */
export function prettyJson(value: unknown): string | undefined {
  if (value === undefined) return "";
  if (typeof value === "string") {
    try {
      const parsed: unknown = JSON.parse(value);
      return typeof parsed === "object" && parsed !== null ? JSON.stringify(parsed, null, 2) : undefined;
    } catch {
      return undefined;
    }
  }
  return typeof value === "object" && value !== null ? JSON.stringify(value, null, 2) : undefined;
}
