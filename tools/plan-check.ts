/** What a `terraform show -json <plan>` says will change, and which of it is a known emulator difference. */

export interface PlanChange {
  readonly address: string;
  readonly type: string;
  /** e.g. ["update"], ["delete", "create"] */
  readonly actions: string[];
  /** Top-level attributes whose value differs between before and after (or is unknown after). */
  readonly attributes: string[];
  /** Those attributes' values before and after, for differences that must be matched exactly. */
  readonly values?: Readonly<Record<string, { readonly before: unknown; readonly after: unknown }>>;
}

interface PlanJson {
  resource_changes?: {
    address: string;
    type: string;
    change: { actions: string[]; before?: Record<string, unknown> | null; after?: Record<string, unknown> | null; after_unknown?: Record<string, unknown> };
  }[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Every resource change of a plan that is not a no-op (reads included: they show a perpetual diff too). */
export function planChanges(plan: PlanJson): PlanChange[] {
  return (plan.resource_changes ?? [])
    .filter((rc) => !(rc.change.actions.length === 1 && rc.change.actions[0] === "no-op"))
    .map((rc) => {
      const before = rc.change.before ?? {};
      const after = rc.change.after ?? {};
      const unknown = rc.change.after_unknown ?? {};
      const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
      const attributes = [...keys].filter((k) => !same(before[k], after[k]) || unknown[k] === true).sort();
      const values = Object.fromEntries(attributes.map((k) => [k, { before: before[k], after: after[k] }]));
      return { address: rc.address, type: rc.type, actions: rc.change.actions, attributes, values };
    });
}

/**
 * Differences that are the emulator's, each found by looking and stated with its evidence; anything
 * else is ours and fails the check.
 */
export const EMULATOR_DIFFERENCES: { readonly reason: string; readonly converges: boolean; readonly matches: (c: PlanChange) => boolean }[] = [
  {
    // moto 5.2.5 drops the tags sent with CreateBucket (GetBucketTagging then returns none), so the
    // provider re-tags the bucket on the next apply; after that the plan is empty.
    reason: "moto drops tags sent with CreateBucket; the provider tags the bucket again (converges)",
    converges: true,
    matches: (c) => c.type === "aws_s3_bucket" && same(c.actions, ["update"]) && onlyAttributes(c, ["tags", "tags_all"]),
  },
  {
    // moto 5.2.5's CreateStream reads only StreamName, ShardCount and StreamModeDetails (moto/kinesis/
    // responses.py `create_stream`), so the Tags the provider sends with it are dropped; the provider
    // then adds them with AddTagsToStream, and the plan after that is empty.
    reason: "moto drops tags sent with Kinesis CreateStream; the provider tags the stream again (converges)",
    converges: true,
    matches: (c) => c.type === "aws_kinesis_stream" && same(c.actions, ["update"]) && onlyAttributes(c, ["tags", "tags_all"]),
  },
  {
    // moto 5.2.5's Lambda model keeps neither DeadLetterConfig nor LoggingConfig (no such key in
    // moto/awslambda/models.py), so every read shows them unset and every plan sets them again.
    reason: "moto does not store a Lambda function's dead_letter_config or logging_config (never converges on the emulator)",
    converges: false,
    matches: (c) => c.type === "aws_lambda_function" && same(c.actions, ["update"]) && onlyAttributes(c, ["dead_letter_config", "logging_config"]),
  },
  {
    // moto 5.2.5's GetBucketReplication answers each rule with only ID, Priority, Status, a hard-coded
    // DeleteMarkerReplication Disabled and Filter { Prefix: "" }, and Destination (moto/s3/responses.py
    // `get_bucket_replication`): the SourceSelectionCriteria we put (SSE-KMS objects replicate) reads
    // back as unset and each rule's own prefix as "", so every plan sets them again. Excused only when
    // the rules differ in nothing else and what was read is exactly moto's hard-coded filter.
    reason: "moto returns neither a replication rule's source_selection_criteria nor its filter prefix (never converges on the emulator)",
    converges: false,
    matches: (c) => {
      if (c.type !== "aws_s3_bucket_replication_configuration" || !same(c.actions, ["update"]) || !onlyAttributes(c, ["rule"])) return false;
      const rules = (v: unknown) =>
        (Array.isArray(v) ? v : []).map((r: Record<string, unknown>) => ({ ...r, source_selection_criteria: undefined, filter: undefined }));
      const motoFilter = (r: Record<string, unknown>) => {
        const f = (r.filter as Record<string, unknown>[] | undefined)?.[0];
        return (
          f !== undefined && f.prefix === "" && ((f.and as unknown[] | undefined) ?? []).length === 0 && ((f.tag as unknown[] | undefined) ?? []).length === 0
        );
      };
      const { before, after } = c.values?.rule ?? {};
      return Array.isArray(before) && Array.isArray(after) && (before as Record<string, unknown>[]).every(motoFilter) && same(rules(before), rules(after));
    },
  },
];

const onlyAttributes = (c: PlanChange, allowed: string[]) => c.attributes.length > 0 && c.attributes.every((a) => allowed.includes(a));

export function emulatorDifferences(changes: readonly PlanChange[]): {
  excused: { change: PlanChange; reason: string; converges: boolean }[];
  ours: PlanChange[];
} {
  const excused: { change: PlanChange; reason: string; converges: boolean }[] = [];
  const ours: PlanChange[] = [];
  for (const change of changes) {
    const known = EMULATOR_DIFFERENCES.find((d) => d.matches(change));
    if (known) excused.push({ change, reason: known.reason, converges: known.converges });
    else ours.push(change);
  }
  return { excused, ours };
}
