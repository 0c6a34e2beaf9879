import { ASSUMPTIONS, ASSUMPTION_KEYS } from "./assumptions";
import { CostLine, Estimate, PLATFORM } from "./model";
import { PRICES, PRICE_KEYS, creditPriceKey } from "./prices";

/** A quantity: thousands separated, about four significant digits. */
export function formatQuantity(n: number): string {
  if (n === 0) return "0";
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString("en-US");
  if (Math.abs(n) >= 1) return n.toFixed(2).replace(/\.?0+$/, "");
  return n
    .toPrecision(3)
    .replace(/\.?0+$/, "")
    .replace(/(\.\d*?)0+e/, "$1e");
}

/** A unit price: as many decimals as it has (up to 10 significant), at least two. */
export function formatPrice(n: number): string {
  const text = Number(n.toPrecision(10)).toString();
  if (/e/.test(text)) return n.toFixed(10).replace(/0+$/, "");
  const decimals = text.split(".")[1]?.length ?? 0;
  return decimals < 2 ? n.toFixed(2) : text;
}

export const formatUsd = (n: number) => n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function table(rows: string[][], rightAligned: ReadonlySet<number>): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (rightAligned.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join("  ")
      .trimEnd(),
  );
}

const HEADER = ["tenant", "source", "line", "quantity", "unit", "unit price $", "$/month"];

function lineRow(l: CostLine): string[] {
  return [
    l.tenant,
    l.source ?? "-",
    l.recurrence === "per-restore" ? `${l.item} [per restore]` : l.item,
    formatQuantity(l.quantity),
    l.unit,
    formatPrice(l.unitPrice),
    formatUsd(l.usd),
  ];
}

/** The estimate as text: per environment, a table of every line, per-tenant and environment totals, then the assumptions. */
export function renderText(e: Estimate, configName: string): string {
  const a = e.assumptions;
  const edition = a["snowflake.edition"];
  const out: string[] = [];
  out.push(`lakehouse cost: monthly estimate for ${configName}`);
  out.push(
    `prices: AWS us-east-1 and Snowflake on-demand list prices as of ${[...new Set(PRICE_KEYS.map((k) => PRICES[k].asOf))].join(", ")} (cli/cost/prices.ts, with --prices overrides);` +
      ` Snowflake ${edition} edition at $${formatPrice(e.prices[creditPriceKey(edition)])}/credit; us-east-1 prices are applied in every region`,
  );
  out.push(
    `volumes: uncompressed GB/day per source; gzip ${a.compressionRatio}×, Snowflake ${a["snowflake.compressionRatio"]}×; a month is ${formatQuantity(a.daysPerMonth)} days; steady state after each retention`,
  );
  for (const env of e.environments) {
    out.push("", `environment ${env.name}`, "");
    const rows: string[][] = [HEADER];
    const rightAligned = new Set([3, 5, 6]);
    for (const t of env.tenants) {
      rows.push(...t.lines.map(lineRow));
      rows.push([t.id, "", `total${t.perRestoreUsd > 0 ? ` (one restore: $${formatUsd(t.perRestoreUsd)})` : ""}`, "", "", "", formatUsd(t.monthlyUsd)]);
      rows.push(["", "", "", "", "", "", ""]);
    }
    rows.push(...env.platform.lines.map(lineRow));
    rows.push([PLATFORM, "", "total", "", "", "", formatUsd(env.platform.monthlyUsd)]);
    out.push(...table(rows, rightAligned));
    out.push("");
    out.push(`${env.name} total: $${formatUsd(env.monthlyUsd)}/month (AWS $${formatUsd(env.awsUsd)}, Snowflake $${formatUsd(env.snowflakeUsd)})`);
    out.push(
      `  by tenant: ${[...env.tenants.map((t) => `${t.id} $${formatUsd(t.monthlyUsd)}`), `${PLATFORM} $${formatUsd(env.platform.monthlyUsd)}`].join(", ")}`,
    );
  }
  out.push("", "volumes (uncompressed GB/day):");
  for (const [key, v] of Object.entries(e.volumes)) out.push(`  ${key}: ${formatQuantity(v.gbPerDay)} (${v.origin})`);
  out.push("", "assumptions (override with --prices <file>, under assumptions:):");
  for (const k of ASSUMPTION_KEYS) out.push(`  ${k} = ${formatQuantity(a[k])} ${ASSUMPTIONS[k].unit}: ${ASSUMPTIONS[k].why}`);
  out.push(`  snowflake.edition = ${edition}`);
  out.push("", "not counted:");
  for (const n of e.notCounted) out.push(`  - ${n}`);
  return `${out.join("\n")}\n`;
}

/** The same estimate as JSON (every line with its quantity, unit price, $ and notes). */
export function renderJson(e: Estimate, configName: string): string {
  return `${JSON.stringify({ config: configName, currency: "USD", ...e }, null, 2)}\n`;
}
