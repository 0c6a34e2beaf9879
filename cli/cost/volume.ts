import { nearest } from "../../modules/core/suggest";
import type { ResolvedLakehouse, ResolvedSource } from "../../stacks/config/resolve";
import { DEFAULT_GB_PER_DAY } from "./assumptions";
import { CostUsageError } from "./errors";

/** One `--volume` argument: `<tenant>=<GB/day>` (the tenant's total) or `<tenant>/<source>=<GB/day>`. */
export interface VolumeArg {
  readonly tenant: string;
  readonly source?: string;
  readonly gbPerDay: number;
  readonly raw: string;
}

export interface SourceVolume {
  /** Uncompressed GB (GiB) of events per day. */
  readonly gbPerDay: number;
  readonly origin: "--volume" | "tenant share" | "default";
}

/** Volume of every source of every tenant, by `<tenant>/<source>`. */
export type VolumeTable = ReadonlyMap<string, SourceVolume>;

export const volumeKey = (tenant: string, source: string) => `${tenant}/${source}`;

/** The catalog type's default volume, else the delivery kind's. */
export function defaultGbPerDay(source: ResolvedSource): number {
  const type = source.config.type;
  return type !== undefined ? DEFAULT_GB_PER_DAY.byType[type] : DEFAULT_GB_PER_DAY.byKind[source.config.delivery.kind];
}

/** Syntax only: each argument's tenant, source and number. */
export function parseVolumeArgs(args: readonly string[]): VolumeArg[] {
  return args.map((raw) => {
    const m = /^([^=/\s]+)(?:\/([^=/\s]+))?=(.*)$/.exec(raw);
    if (!m) throw new CostUsageError(`--volume '${raw}': expected <tenant>=<GB/day> or <tenant>/<source>=<GB/day>`);
    const text = m[3].trim();
    const gbPerDay = Number(text);
    if (text === "" || !Number.isFinite(gbPerDay) || gbPerDay < 0) throw new CostUsageError(`--volume '${raw}': GB/day must be a number >= 0, not '${m[3]}'`);
    return { tenant: m[1], source: m[2], gbPerDay, raw };
  });
}

/**
 * Every source's GB/day: its own `--volume`, else a share of its tenant's `--volume` (the rest after
 * the tenant's sources with their own, split in proportion to the defaults), else the default.
 */
export function resolveVolumes(lakehouse: ResolvedLakehouse, args: readonly VolumeArg[]): VolumeTable {
  const tenants = new Map<string, readonly ResolvedSource[]>();
  for (const env of lakehouse.environments) for (const t of env.tenants) if (!tenants.has(t.id)) tenants.set(t.id, t.sources);

  const seen = new Map<string, VolumeArg>();
  for (const arg of args) {
    const sources = tenants.get(arg.tenant);
    if (!sources) {
      const hint = nearest(arg.tenant, [...tenants.keys()]);
      throw new CostUsageError(`--volume '${arg.raw}': no tenant '${arg.tenant}' in the config${hint ? `; did you mean ${hint}?` : ""}`);
    }
    if (arg.source !== undefined && !sources.some((s) => s.name === arg.source)) {
      const hint = nearest(
        arg.source,
        sources.map((s) => s.name),
      );
      throw new CostUsageError(`--volume '${arg.raw}': tenant ${arg.tenant} has no source '${arg.source}'${hint ? `; did you mean ${hint}?` : ""}`);
    }
    const key = arg.source === undefined ? arg.tenant : volumeKey(arg.tenant, arg.source);
    const twice = seen.get(key);
    if (twice) throw new CostUsageError(`--volume '${arg.raw}': ${key} given twice (also '${twice.raw}')`);
    seen.set(key, arg);
  }

  const table = new Map<string, SourceVolume>();
  for (const [tenant, sources] of tenants) {
    const total = seen.get(tenant);
    const own = sources.filter((s) => seen.has(volumeKey(tenant, s.name)));
    const rest = sources.filter((s) => !seen.has(volumeKey(tenant, s.name)));
    for (const s of own) table.set(volumeKey(tenant, s.name), { gbPerDay: seen.get(volumeKey(tenant, s.name))!.gbPerDay, origin: "--volume" });
    if (!total) {
      for (const s of rest) table.set(volumeKey(tenant, s.name), { gbPerDay: defaultGbPerDay(s), origin: "default" });
      continue;
    }
    const ownSum = own.reduce((n, s) => n + table.get(volumeKey(tenant, s.name))!.gbPerDay, 0);
    const remaining = total.gbPerDay - ownSum;
    const listed = own.map((s) => seen.get(volumeKey(tenant, s.name))!.raw).join(", ");
    if (remaining < -1e-9) throw new CostUsageError(`--volume '${total.raw}': less than the tenant's sources given their own (${listed}: ${ownSum} GB/day)`);
    if (rest.length === 0) {
      if (Math.abs(remaining) > 1e-9)
        throw new CostUsageError(
          `--volume '${total.raw}': every source of ${tenant} has its own --volume (${listed}: ${ownSum} GB/day), and they do not add up to it`,
        );
      continue;
    }
    const weights = rest.map(defaultGbPerDay);
    const weightSum = weights.reduce((n, w) => n + w, 0);
    rest.forEach((s, i) => table.set(volumeKey(tenant, s.name), { gbPerDay: remaining * (weights[i] / weightSum), origin: "tenant share" }));
  }
  return table;
}
