/**
 * Two questions of the access suite that are not IAM decisions: which object events the audit trail
 * records (its advanced event selectors) and which keys replication copies into a backup vault (the
 * rules' filters). Each is decided by a small matcher over the synthesized resource, following the
 * documented semantics; the cases come from the resolved config like the access requests.
 */
import { bucketName } from "../../modules/core/naming";
import { accessLogBucketName } from "../../stacks/config/names";
import { restoreStateKey } from "../../cli/restore/backup";
import type { ExampleUnderTest } from "./requests";
import type { ResourceInstance, World } from "./world";

export interface CoverageCase {
  readonly stack: string;
  readonly family: string;
  readonly what: string;
  /** Decides the case: true when the event is recorded / the key replicated. */
  readonly decide: () => boolean;
  readonly expect: boolean;
  readonly item?: string;
}

interface FieldSelector {
  field: string;
  equals?: string[];
  starts_with?: string[];
  ends_with?: string[];
  not_equals?: string[];
  not_starts_with?: string[];
  not_ends_with?: string[];
}

/**
 * Whether a trail's advanced event selectors select an event (CloudTrail User Guide, "Filtering data
 * events by using advanced event selectors"): an event is logged when it matches any selector; a
 * selector matches when every field selector does; within a field selector the values of the
 * including operators (Equals, StartsWith, EndsWith) are alternatives and the excluding ones
 * (NotEquals, NotStartsWith, NotEndsWith) must all hold. That one field selector may combine both
 * kinds is read from the API reference (each operator is an optional list), not checked against AWS.
 */
export function trailRecords(trail: ResourceInstance, event: Record<string, string>): boolean {
  const selectors = (trail.attrs.advanced_event_selector as { field_selector: FieldSelector[] }[] | undefined) ?? [];
  return selectors.some((s) =>
    s.field_selector.every((f) => {
      const v = event[f.field];
      if (v === undefined) return false;
      const including = [
        ...(f.equals ?? []).map((x) => v === x),
        ...(f.starts_with ?? []).map((x) => v.startsWith(x)),
        ...(f.ends_with ?? []).map((x) => v.endsWith(x)),
      ];
      const excluded = [
        ...(f.not_equals ?? []).map((x) => v === x),
        ...(f.not_starts_with ?? []).map((x) => v.startsWith(x)),
        ...(f.not_ends_with ?? []).map((x) => v.endsWith(x)),
      ];
      return (including.length === 0 || including.some(Boolean)) && !excluded.some(Boolean);
    }),
  );
}

interface ReplicationRule {
  id: string;
  status: string;
  filter?: { prefix?: string; tag?: unknown; and?: { prefix?: string; tags?: unknown } };
}

/** Whether a replication configuration copies a new object (untagged) under `key` (S3 User Guide, "Replication configuration file elements": a rule applies to objects under its filter's prefix). */
export function replicates(configuration: ResourceInstance, key: string): boolean {
  const rules = configuration.attrs.rule as ReplicationRule[];
  return rules.some((r) => {
    if (r.status !== "Enabled") return false;
    if (r.filter?.tag !== undefined || r.filter?.and?.tags !== undefined)
      throw new Error(`${configuration.stack}:${configuration.address}: rule ${r.id} filters on tags, which the suite does not model`);
    const prefix = r.filter?.prefix ?? r.filter?.and?.prefix ?? "";
    return key.startsWith(prefix);
  });
}

const dataEvent = (eventName: string, readOnly: boolean) => (object: string) => ({
  eventCategory: "Data",
  "resources.type": "AWS::S3::Object",
  "resources.ARN": object,
  readOnly: String(readOnly),
  eventName,
});
const dataWrite = dataEvent("PutObject", false);
const dataRead = dataEvent("GetObject", true);
const dataDelete = dataEvent("DeleteObject", false);

function onlyOf(world: World, type: string, stack: string, what: string): ResourceInstance {
  const all = world.ofType(type, stack);
  if (all.length !== 1) throw new Error(`${stack}: expected one ${what}, found ${all.length}`);
  return all[0];
}

export function coverageCases({ lakehouse, world }: ExampleUnderTest): CoverageCase[] {
  if (!lakehouse) return [];
  const org = lakehouse.organization;
  return lakehouse.environments.flatMap((env) => {
    const out: CoverageCase[] = [];
    if (env.config.auditTrail !== false) {
      const stack = env.platformStackName;
      const trail = onlyOf(world, "aws_cloudtrail", stack, "audit trail");
      const family = "what the audit trail records";
      const event =
        (bucket: string, key: string, kind = dataWrite) =>
        () =>
          trailRecords(trail, kind(`arn:aws:s3:::${bucket}/${key}`));
      // The trail records its own account's buckets; a tenant in an account of its own needs a trail there (docs/accounts.md).
      const inEnvAccount = env.tenants.filter((t) => !t.ownAccount);
      for (const t of inEnvAccount) {
        out.push({
          stack,
          family,
          what: `a write to tenant ${t.id}'s log bucket`,
          decide: event(t.bucketName, `${t.sources.find((s) => !s.existingBucket)!.keyPrefix}x.json.gz`),
          expect: true,
        });
        if (t.backup)
          out.push({
            stack,
            family,
            what: `a write to tenant ${t.id}'s backup vault`,
            decide: event(t.backup.vaultBucketName, `${t.sources.find((s) => !s.existingBucket)!.keyPrefix}x.json.gz`),
            expect: true,
          });
      }
      const own = bucketName(org, env.name, env.accountId, "audit-trail");
      const trailFile = `cloudtrail/AWSLogs/${env.accountId}/CloudTrail/x.json.gz`;
      out.push({ stack, family, what: "the trail's own delivery to its bucket (a feedback loop)", decide: event(own, trailFile), expect: false, item: "16.9" });
      out.push({ stack, family, what: "someone reading the trail's files", decide: event(own, trailFile, dataRead), expect: true });
      out.push({ stack, family, what: "someone deleting the trail's files", decide: event(own, trailFile, dataDelete), expect: true });
      for (const region of env.regions) {
        const logs = accessLogBucketName(org, env.name, env.accountId, region);
        out.push({
          stack,
          family,
          what: `a server access log written to ${logs}`,
          decide: event(logs, `${own}/2026-12-01-10-00-00-ABCDEF`),
          expect: false,
          item: "16.9",
        });
        out.push({
          stack,
          family,
          what: `someone deleting a server access log of ${logs}`,
          decide: event(logs, `${own}/2026-12-01-10-00-00-ABCDEF`, dataDelete),
          expect: true,
        });
      }
      for (const t of inEnvAccount)
        out.push({
          stack,
          family,
          what: `someone reading tenant ${t.id}'s logs`,
          decide: event(t.bucketName, `${t.sources.find((s) => !s.existingBucket)!.keyPrefix}x.json.gz`, dataRead),
          expect: true,
        });
    }
    // Object Lock is decided by S3, not by any policy (S3 User Guide, "Object Lock": in compliance mode no
    // user, the root user included, can delete a locked version): the suite checks that the lock is there.
    for (const t of env.tenants) {
      const family = "versions locked by S3 Object Lock (cited, not evaluated)";
      const lockOf = (bucket: string) => () => {
        const bucketResource = world.ofType("aws_s3_bucket", t.stackName).find((b) => b.attrs.bucket === bucket);
        const lock = world.ofType("aws_s3_bucket_object_lock_configuration", t.stackName).find((l) => l.attrs.bucket === bucket);
        const retention = (lock?.attrs.rule as { default_retention?: { mode?: string; days?: number } } | undefined)?.default_retention;
        return bucketResource !== undefined && lock?.attrs.object_lock_enabled === "Enabled" && retention !== undefined && (retention.days ?? 0) > 0;
      };
      if (t.config.objectLock)
        out.push({
          stack: t.stackName,
          family,
          what: `tenant ${t.id}'s log versions are ${t.config.objectLock.mode}-locked`,
          decide: lockOf(t.bucketName),
          expect: true,
        });
      if (t.backup)
        out.push({
          stack: t.stackName,
          family,
          what: `tenant ${t.id}'s backup versions are ${t.backup.objectLock.mode}-locked`,
          decide: lockOf(t.backup.vaultBucketName),
          expect: true,
        });
    }
    for (const t of env.tenants.filter((x) => x.backup)) {
      const family = "what replication copies into the vault";
      const configuration = onlyOf(world, "aws_s3_bucket_replication_configuration", t.stackName, "replication configuration");
      const copies = (key: string) => () => replicates(configuration, key);
      for (const s of t.sources) {
        // A source on an existing bucket has nothing in the tenant's bucket to replicate: its owner keeps its files.
        if (s.existingBucket) continue;
        out.push({ stack: t.stackName, family, what: `a ${s.name} log file`, decide: copies(`${s.keyPrefix}2026/12/01/10/x.json.gz`), expect: true });
        if (s.config.delivery.kind === "firehose")
          out.push({
            stack: t.stackName,
            family,
            what: `failed ${s.name} records`,
            decide: copies(`_firehose-errors/${s.name}/processing-failed/x.json.gz`),
            expect: true,
          });
        if (s.config.delivery.kind === "puller")
          out.push({
            stack: t.stackName,
            family,
            what: `the ${s.name} puller's state (rewritten every run)`,
            decide: copies(`_puller-state/${s.name}.json`),
            expect: false,
            item: "16.10",
          });
        out.push({
          stack: t.stackName,
          family,
          what: `restore state of ${s.name}`,
          decide: copies(restoreStateKey(t.id, s.name, "2026-11-01", "2026-11-30")),
          expect: false,
          item: "16.10",
        });
      }
    }
    return out;
  });
}
