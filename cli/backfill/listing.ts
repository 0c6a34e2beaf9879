/**
 * Which objects of a source's prefix fall in a backfill's range, found without listing the whole
 * bucket: date folders (`…/YYYY/MM/DD/[HH/]…`, UTC, as the pullers, Firehose and AWS services write
 * them) are not listed but named — only the days (and at the range's edges, the hours) in range are
 * listed; a key with no date folder is judged by its LastModified. Folders that are not dates are
 * walked (with '/' as delimiter) up to a depth, so a date path deeper in the key (CloudTrail's
 * `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/`) is found too.
 */
export interface StoredObject {
  readonly key: string;
  readonly size: number;
  /** Epoch ms. */
  readonly lastModifiedMs: number;
}

export interface ListPage {
  readonly objects: readonly StoredObject[];
  /** CommonPrefixes, when listed with a delimiter. */
  readonly prefixes: readonly string[];
  /** Continuation token of the next page, if any. */
  readonly next?: string;
}

/** ListObjectsV2, one page at a time. */
export interface ObjectLister {
  page(prefix: string, delimiter: "/" | undefined, token: string | undefined): Promise<ListPage>;
}

/** A file to consider, and how it was judged in range. */
export interface Candidate extends StoredObject {
  /** `path`: its date folder is in range; `lastModified`: it has none, its LastModified is. */
  readonly by: "path" | "lastModified";
}

export interface ListingOptions {
  /** The source's prefix, ending in '/'. */
  readonly keyPrefix: string;
  /** The pipe's notification suffix (e.g. `.json.gz`); none: every object. */
  readonly suffix?: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** Folders that are not dates walked below the prefix before the rest is judged by LastModified. @default 6 */
  readonly maxDepth?: number;
  /** Called after every page. */
  readonly onPage?: (stats: { readonly requests: number; readonly candidates: number }) => void;
}

export interface Listing {
  readonly candidates: readonly Candidate[];
  /** Folders under which date folders were found (`okta/`, `cloudtrail/AWSLogs/1111/CloudTrail/us-east-1/`). */
  readonly dateRoots: readonly string[];
  /** The first and last day listed under the date roots (UTC day starts, epoch ms), if any. */
  readonly days?: { readonly firstMs: number; readonly lastMs: number };
  /** ListObjectsV2 calls made. */
  readonly requests: number;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const pad = (n: number) => String(n).padStart(2, "0");

/** `YYYY/MM/DD/` of a UTC day start. */
export function dayFolder(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/`;
}

export async function listCandidates(lister: ObjectLister, o: ListingOptions): Promise<Listing> {
  const candidates: Candidate[] = [];
  const dateRoots: string[] = [];
  const maxDepth = o.maxDepth ?? 6;
  let requests = 0;
  const firstDay = Math.floor(o.fromMs / DAY_MS) * DAY_MS;

  async function pages(prefix: string, delimiter: "/" | undefined, each: (page: ListPage) => Promise<void> | void): Promise<void> {
    let token: string | undefined;
    do {
      const page = await lister.page(prefix, delimiter, token);
      requests++;
      await each(page);
      o.onPage?.({ requests, candidates: candidates.length });
      token = page.next;
    } while (token);
  }

  const wanted = (obj: StoredObject) => !obj.key.endsWith("/") && (o.suffix === undefined || obj.key.endsWith(o.suffix));
  const byPath = (obj: StoredObject) => {
    if (wanted(obj)) candidates.push({ ...obj, by: "path" });
  };
  const byLastModified = (obj: StoredObject) => {
    if (wanted(obj) && obj.lastModifiedMs >= o.fromMs && obj.lastModifiedMs < o.toMs) candidates.push({ ...obj, by: "lastModified" });
  };
  /** Everything under a prefix (no delimiter), each object judged by `judge`. */
  const all = (prefix: string, judge: (obj: StoredObject) => void) => pages(prefix, undefined, (page) => page.objects.forEach(judge));

  /** The days in range under a folder that holds year folders; at the range's edges, only the hours in range. */
  async function dates(root: string, years: ReadonlySet<string>): Promise<void> {
    for (let day = firstDay; day < o.toMs; day += DAY_MS) {
      if (!years.has(String(new Date(day).getUTCFullYear()))) continue;
      const folder = `${root}${dayFolder(day)}`;
      if (o.fromMs <= day && day + DAY_MS <= o.toMs) {
        await all(folder, byPath);
        continue;
      }
      // An edge day: its hour folders in range; files directly in the day, or under folders that are
      // not hours, carry only the day, which overlaps the range: they are in.
      await pages(folder, "/", async (page) => {
        page.objects.forEach(byPath);
        for (const sub of page.prefixes) {
          const segment = sub.slice(folder.length, -1);
          const hour = /^\d{2}$/.test(segment) ? Number(segment) : undefined;
          if (hour !== undefined && hour <= 23) {
            const start = day + hour * HOUR_MS;
            if (start < o.toMs && start + HOUR_MS > o.fromMs) await all(sub, byPath);
          } else {
            await all(sub, byPath);
          }
        }
      });
    }
  }

  async function walk(folder: string, depth: number): Promise<void> {
    const years = new Set<string>();
    const deeper: string[] = [];
    await pages(folder, "/", (page) => {
      page.objects.forEach(byLastModified);
      for (const sub of page.prefixes) {
        const segment = sub.slice(folder.length, -1);
        if (/^\d{4}$/.test(segment)) years.add(segment);
        else deeper.push(sub);
      }
    });
    for (const sub of deeper) {
      if (depth < maxDepth) await walk(sub, depth + 1);
      else await all(sub, byLastModified);
    }
    if (years.size > 0) {
      dateRoots.push(folder);
      await dates(folder, years);
    }
  }

  await walk(o.keyPrefix, 0);
  const lastDay = Math.floor((o.toMs - 1) / DAY_MS) * DAY_MS;
  return { candidates, dateRoots, days: dateRoots.length > 0 ? { firstMs: firstDay, lastMs: lastDay } : undefined, requests };
}
