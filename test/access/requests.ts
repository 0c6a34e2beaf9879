/**
 * The requests the access suite decides, derived from an example's resolved config (never listed by
 * hand per example): what every source's delivery does, what the lakehouse's own roles do, and what
 * an adversary tries. Each family is a function from the example to requests; a new concern is a new
 * family appended to FAMILIES (see docs/access.md, "Adding cases").
 *
 * What the evaluator cannot know — which headers a service sends — is a documented fact, cited on the
 * request (`cite`); where the documents leave it open, every variant a service may send is decided.
 */
import { AlertTopic } from "../../modules/aws/alert-topic";
import { SnowflakeAccessRole } from "../../modules/aws/snowflake-access-role";
import { TenantAccessRoles } from "../../modules/aws/tenant-access-roles";
import { bucketName, iamRoleName } from "../../modules/core/naming";
import { accessLogBucketName, alertTopicName } from "../../stacks/config/names";
import { type ResolvedEnvironment, type ResolvedLakehouse, type ResolvedSource, type ResolvedTenant } from "../../stacks/config/resolve";
import { batchManifestKey, batchReportPrefix, restoreStateKey } from "../../cli/restore/backup";
import { externalAccess } from "../../stacks/external-access";
import { type AccessRequest, type Expectation, type Principal, allowing, outsideRole, outsideUser, roleSession, service } from "./evaluator";
import { type PolicyStatementJson, type ResourceInstance, type SourcedPolicy, type World, snowflakeIamUserArn } from "./world";

/** An example as the families see it: its synthesized world and, for config-driven examples, its resolved config. */
export interface ExampleUnderTest {
  readonly name: string;
  readonly world: World;
  readonly lakehouse?: ResolvedLakehouse;
}

export interface Family {
  readonly name: string;
  readonly requests: (example: ExampleUnderTest) => AccessRequest[];
}

// ---------------------------------------------------------------------------------------------
// Documents the requests cite for what the evaluator cannot know.

export const CITE = {
  vendedLogsNoSse:
    "VPC flow logs and Route 53 Resolver query logs (delivery.logs.amazonaws.com) write with the bucket's default encryption: VPC User Guide, 'Flow log files / Amazon S3 bucket permissions for flow logs'; Route 53 Developer Guide, 'Resolver query logging, Amazon S3'. That they send no SSE header is unverified (REFERENCE.md, Access semantics): both the header-less put and an SSE-KMS put are decided",
  vendedLogsKms:
    "Amazon CloudWatch Logs User Guide, 'Enabling logging from AWS services', key policy for delivery.logs.amazonaws.com: kms:Encrypt, kms:Decrypt, kms:ReEncrypt*, kms:GenerateDataKey*, kms:DescribeKey (multipart uploads of large log files decrypt)",
  cloudTrailDigest:
    "AWS CloudTrail User Guide, 'Encrypting CloudTrail log files, digest files, and event data stores with AWS KMS keys (SSE-KMS)': digest files are encrypted with Amazon S3 managed keys (SSE-S3) even when log files use SSE-KMS",
  cloudTrailLogs:
    "AWS CloudTrail User Guide, 'Amazon S3 bucket policy for CloudTrail' and 'Encrypting CloudTrail log files … with AWS KMS keys': log files are SSE-KMS with the trail's key; which headers carry it is not documented, so both the keyed and the header-less put are decided",
  guardDuty:
    "Amazon GuardDuty User Guide, 'Exporting generated findings to Amazon S3': the bucket policy grants guardduty.amazonaws.com s3:GetBucketLocation and s3:PutObject, the key policy kms:GenerateDataKey; findings are encrypted with the destination's KMS key (both the keyed and the header-less put are decided)",
  firehose:
    "Amazon Data Firehose Developer Guide, 'Amazon S3 destination, server-side encryption with the configured KMS key': both the keyed and the header-less put are decided",
  batchReport:
    "Amazon S3 User Guide, 'Examples: S3 Batch Operations completion reports': completion reports are always encrypted with Amazon S3 managed keys (SSE-S3)",
  kmsWithoutKeyId:
    "Amazon S3 API Reference, PutObject: with x-amz-server-side-encryption: aws:kms and no x-amz-server-side-encryption-aws-kms-key-id, S3 uses the AWS managed key aws/s3",
  puller: "runtime/puller/s3-store.ts: every put sends ServerSideEncryption aws:kms with SSEKMSKeyId = the bucket's key ARN",
  kafka: "runtime/kafka/batch-store.ts: every put sends ServerSideEncryption aws:kms with SSEKMSKeyId = the bucket's key ARN",
  restoreState: "cli/restore/vault.ts writeState and putManifest: no encryption headers (the bucket's default SSE-KMS applies)",
  accessLogs:
    "Amazon S3 User Guide, 'Enabling Amazon S3 server access logging', permissions for log delivery: logging.s3.amazonaws.com with aws:SourceArn / aws:SourceAccount of the source bucket",
  alarms:
    "Amazon CloudWatch User Guide, 'Alarm actions', encrypted SNS topics: cloudwatch.amazonaws.com needs kms:Decrypt and kms:GenerateDataKey* on the topic's key",
  scpServices: "AWS Organizations User Guide, 'Service control policies': SCPs do not affect service principals or the management account",
  orgTrailBucket:
    "AWS CloudTrail User Guide, 'Create a trail for an organization' and 'Amazon S3 bucket policy for CloudTrail' (organization trails): the trail, made in the management account, writes <prefix>/AWSLogs/<organization id>/<account id>/... for every account of the organization (and may write <prefix>/AWSLogs/<management account id>/...), with aws:SourceArn the trail's ARN; which SSE headers it sends is not documented, so both the keyed and the header-less put are decided",
  orgTrailKms:
    "AWS CloudTrail User Guide, 'Configure AWS KMS key policies for CloudTrail': CloudTrail asks for data keys with aws:SourceArn and the encryption context aws:cloudtrail:arn both the trail's ARN. That the service sets them so is the document's word: the evaluator only compares the values the request carries",
} as const;

// ---------------------------------------------------------------------------------------------
// Request context.

type Ctx = Record<string, string | string[]>;
const sseKms = (keyArn: string): Ctx => ({ "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn });
const SSE_S3: Ctx = { "s3:x-amz-server-side-encryption": "AES256" };
const NO_SSE: Ctx = {};
const ownerFullControl: Ctx = { "s3:x-amz-acl": "bucket-owner-full-control" };
const fromService = (account: string, sourceArn: string): Ctx => ({ "aws:SourceAccount": account, "aws:SourceArn": sourceArn });
const kmsViaS3 = (region: string, bucket: string): Ctx => ({
  "kms:ViaService": `s3.${region}.amazonaws.com`,
  "kms:EncryptionContext:aws:s3:arn": `arn:aws:s3:::${bucket}`,
});

const DAY = "2026/12/01";
/** An AWS account no example names (AWS's documentation example account): someone else's. */
const FOREIGN_ACCOUNT = "444455556666";
const s3Object = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;
const s3Bucket = (bucket: string) => `arn:aws:s3:::${bucket}`;

/** A role of the account that nobody exempted: AdministratorAccess, as a compromised or careless admin has. */
function intruder(accountId: string): Principal {
  return outsideRole(`arn:aws:iam::${accountId}:role/access-suite-intruder`, "an in-account administrator without an exemption", [
    allowing("AdministratorAccess (assumed)", "*"),
  ]);
}

/** An exempt role of the log guard or vault (the deploying role, break-glass): administrators too. */
function exemptAdmin(roleArn: string): Principal {
  return outsideRole(roleArn, `exempt administrator ${roleArn.split("/").pop()}`, [allowing("AdministratorAccess (assumed)", "*")]);
}

// ---------------------------------------------------------------------------------------------
// Finding in the synthesized world what the config says must exist.

function keyByAlias(world: World, stack: string, alias: string): string {
  const a = world.ofType("aws_kms_alias", stack).find((x) => x.attrs.name === `alias/${alias}`);
  if (!a) throw new Error(`${stack}: no KMS alias alias/${alias}`);
  const key = world.ofType("aws_kms_key", stack).find((k) => String(k.attrs.arn).endsWith(`/${String(a.attrs.target_key_id)}`));
  if (!key) throw new Error(`${stack}: alias/${alias} points at no key of the stack`);
  return String(key.attrs.arn);
}

function only<T>(items: T[], what: string): T {
  if (items.length !== 1) throw new Error(`expected exactly one ${what}, found ${items.length}`);
  return items[0];
}

const envVars = (f: ResourceInstance) =>
  ((f.attrs.environment as { variables?: Record<string, string> } | undefined)?.variables ?? {}) as Record<string, string>;

/** The Snowflake account (and so Snowflake's IAM user) of a region. */
function snowflakeUser(env: ResolvedEnvironment, region: string): string {
  const account = env.config.snowflakeAccounts.find((a) => a.region === region);
  if (!account) throw new Error(`environment ${env.name}: no Snowflake account in ${region}`);
  return snowflakeIamUserArn(account.organization, account.account);
}

interface TenantScope {
  readonly lakehouse: ResolvedLakehouse;
  readonly env: ResolvedEnvironment;
  readonly tenant: ResolvedTenant;
  readonly world: World;
  readonly stack: string;
  /** The AWS account the tenant's resources are in. */
  readonly account: string;
  readonly region: string;
  readonly bucket: string;
  readonly key: string;
}

function tenantsOf(example: ExampleUnderTest): TenantScope[] {
  const { lakehouse, world } = example;
  if (!lakehouse) return [];
  return lakehouse.environments.flatMap((env) =>
    env.tenants.map((tenant) => ({
      lakehouse,
      env,
      tenant,
      world,
      stack: tenant.stackName,
      // Its own (tenants[].awsAccountId) or its environment's.
      account: tenant.accountId,
      region: tenant.region,
      bucket: tenant.bucketName,
      key: keyByAlias(world, tenant.stackName, tenant.kmsAliasName),
    })),
  );
}

/** Builds requests of one stack and family with less repetition. */
function maker(stack: string, family: string) {
  return (what: string, principal: Principal, action: string, resource: string, expect: Expectation, extra: Partial<AccessRequest> = {}): AccessRequest => ({
    stack,
    family,
    what,
    principal,
    action,
    resource,
    expect,
    ...extra,
  });
}

// ---------------------------------------------------------------------------------------------
// Families.

/** Where a native delivery service puts a file under a source prefix, as the service names its keys. */
function nativeKey(s: ResolvedSource, service: string, account: string, region: string): string {
  const p = s.keyPrefix;
  if (service === "cloudtrail.amazonaws.com")
    return `${p}AWSLogs/${account}/CloudTrail/${region}/${DAY}/${account}_CloudTrail_${region}_20261201T1005Z_AbCdEfGhIjKlMnOp.json.gz`;
  if (service === "guardduty.amazonaws.com") return `${p}AWSLogs/${account}/GuardDuty/${region}/${DAY}/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0.jsonl.gz`;
  if (service === "delivery.logs.amazonaws.com" && s.config.type === "route53-resolver")
    return `${p}AWSLogs/${account}/vpcdnsquerylogs/vpc-0123456789abcdef0/${DAY}/vpc-0123456789abcdef0_vpcdnsquerylogs_${account}_20261201T1000Z_abcdef01.log.gz`;
  if (service === "delivery.logs.amazonaws.com")
    return `${p}AWSLogs/${account}/vpcflowlogs/${region}/${DAY}/${account}_vpcflowlogs_${region}_fl-0123456789abcdef0_20261201T1000Z_abcdef01.log.gz`;
  return `${p}${DAY}/10/delivery-0001.json.gz`;
}

const cloudTrailDigestKey = (prefix: string, account: string, region: string, trail: string) =>
  `${prefix}AWSLogs/${account}/CloudTrail-Digest/${region}/${DAY}/${account}_CloudTrail-Digest_${region}_${trail}_${region}_20261201T100000Z.json.gz`;

/** A member account of the organization whose trail writes a source (made up). */
const MEMBER_ACCOUNT = "210987654321";

/**
 * A source an organization trail writes (`delivery.organizationTrail`): the named trail, created in the
 * organization's management account, puts every member account's log files under
 * `<prefix>AWSLogs/<organization id>/<account>/` and may put the management account's under
 * `<prefix>AWSLogs/<management account>/`; no other trail, and no trail of another account, may.
 */
function organizationTrailRequests(
  t: TenantScope,
  s: ResolvedSource,
  org: { trailArn: string; organizationId: string },
  r: ReturnType<typeof maker>,
): AccessRequest[] {
  const who = service("cloudtrail.amazonaws.com");
  const management = org.trailArn.split(":")[4];
  const trailName = org.trailArn.split("/").pop()!;
  const src = fromService(management, org.trailArn);
  const logKey = (folder: string, account: string) =>
    `${s.keyPrefix}AWSLogs/${folder}${account}/CloudTrail/${t.region}/${DAY}/${account}_CloudTrail_${t.region}_20261201T1005Z_AbCdEfGhIjKlMnOp.json.gz`;
  const member = s3Object(t.bucket, logKey(`${org.organizationId}/`, MEMBER_ACCOUNT));
  const cite = CITE.orgTrailBucket;
  const item = "18.6";
  const otherTrail = org.trailArn.replace(/trail\/.*$/, "trail/another-trail");
  const foreignTrail = `arn:aws:cloudtrail:${t.region}:${FOREIGN_ACCOUNT}:trail/${trailName}`;
  const out: AccessRequest[] = [
    r(`the organization trail checks the ${s.name} bucket's ACL`, who, "s3:GetBucketAcl", s3Bucket(t.bucket), "Allowed", { context: src, cite, item }),
    ...(
      [
        ["SSE-KMS with the tenant key", sseKms(t.key)],
        ["no SSE headers", NO_SSE],
      ] as const
    ).map(([label, headers]) =>
      r(`the organization trail delivers a member account's log file to ${s.name} (${label})`, who, "s3:PutObject", member, "Allowed", {
        context: { ...src, ...ownerFullControl, ...headers },
        cite,
        item,
      }),
    ),
    r(
      `the organization trail delivers the management account's log file to ${s.name}`,
      who,
      "s3:PutObject",
      s3Object(t.bucket, logKey(`${org.organizationId}/`, management)),
      "Allowed",
      { context: { ...src, ...ownerFullControl, ...sseKms(t.key) }, cite },
    ),
    r(
      `the organization trail delivers under AWSLogs/<management account>/ of ${s.name}`,
      who,
      "s3:PutObject",
      s3Object(t.bucket, logKey("", management)),
      "Allowed",
      { context: { ...src, ...ownerFullControl, ...sseKms(t.key) }, cite },
    ),
    r(
      `the organization trail delivers a member account's digest file to ${s.name} (SSE-S3)`,
      who,
      "s3:PutObject",
      s3Object(
        t.bucket,
        `${s.keyPrefix}AWSLogs/${org.organizationId}/${MEMBER_ACCOUNT}/CloudTrail-Digest/${t.region}/${DAY}/${MEMBER_ACCOUNT}_CloudTrail-Digest_${t.region}_${trailName}_${t.region}_20261201T100000Z.json.gz`,
      ),
      "Allowed",
      { context: { ...src, ...ownerFullControl, ...SSE_S3 }, cite: CITE.cloudTrailDigest },
    ),
    r(`the organization trail generates a data key for ${s.name}`, who, "kms:GenerateDataKey", t.key, "Allowed", {
      context: { ...src, "kms:EncryptionContext:aws:cloudtrail:arn": org.trailArn },
      cite: CITE.orgTrailKms,
      item,
    }),
    r(`the organization trail describes the ${s.name} key`, who, "kms:DescribeKey", t.key, "Allowed", { context: src, cite: CITE.orgTrailKms }),
    // Another trail of the management account, a trail of the same name in another account, the tenant's own account's trail.
    r(`another trail of the management account delivers to ${s.name}`, who, "s3:PutObject", member, "Denied", {
      context: { ...fromService(management, otherTrail), ...sseKms(t.key) },
      cite,
      item,
    }),
    r(`a trail of another organization's account delivers to ${s.name}`, who, "s3:PutObject", member, "Denied", {
      context: { ...fromService(FOREIGN_ACCOUNT, foreignTrail), ...sseKms(t.key) },
      cite,
      item,
    }),
    r(
      `a trail of another organization's account delivers its own organization's files to ${s.name}`,
      who,
      "s3:PutObject",
      s3Object(t.bucket, logKey("o-someoneelse0/", FOREIGN_ACCOUNT)),
      "Denied",
      { context: { ...fromService(FOREIGN_ACCOUNT, foreignTrail), ...sseKms(t.key) }, item },
    ),
    r(`a trail of another organization's account checks the ${s.name} bucket's ACL`, who, "s3:GetBucketAcl", s3Bucket(t.bucket), "Denied", {
      context: fromService(FOREIGN_ACCOUNT, foreignTrail),
    }),
    r(
      `the organization trail delivers under another organization's folder of ${s.name}`,
      who,
      "s3:PutObject",
      s3Object(t.bucket, logKey("o-someoneelse0/", MEMBER_ACCOUNT)),
      "Denied",
      { context: { ...src, ...sseKms(t.key) }, item },
    ),
    r(`the organization trail writes outside ${s.keyPrefix}`, who, "s3:PutObject", s3Object(t.bucket, `_puller-state/${s.name}.json`), "Denied", {
      context: { ...src, ...sseKms(t.key) },
    }),
    r(
      `a trail of the tenant's own account delivers to ${s.name} (the organization's trail replaced it)`,
      who,
      "s3:PutObject",
      s3Object(t.bucket, logKey("", t.account)),
      "Denied",
      { context: { ...fromService(t.account, `arn:aws:cloudtrail:${t.region}:${t.account}:trail/${t.tenant.id}-trail`), ...sseKms(t.key) } },
    ),
    r(`another trail of the management account generates a data key for ${s.name}`, who, "kms:GenerateDataKey", t.key, "Denied", {
      context: { ...fromService(management, otherTrail), "kms:EncryptionContext:aws:cloudtrail:arn": otherTrail },
      cite: CITE.orgTrailKms,
      item,
    }),
    r(`a trail of another organization's account generates a data key for ${s.name}`, who, "kms:GenerateDataKey", t.key, "Denied", {
      context: { ...fromService(FOREIGN_ACCOUNT, foreignTrail), "kms:EncryptionContext:aws:cloudtrail:arn": foreignTrail },
      cite: CITE.orgTrailKms,
      item,
    }),
    r(`the organization trail asks for a data key in another trail's encryption context`, who, "kms:GenerateDataKey", t.key, "Denied", {
      context: { ...src, "kms:EncryptionContext:aws:cloudtrail:arn": otherTrail },
      cite: CITE.orgTrailKms,
    }),
  ];
  return out;
}

const nativeDelivery: Family = {
  name: "native delivery",
  requests: (example) =>
    tenantsOf(example).flatMap((t) => {
      const r = maker(t.stack, "native delivery");
      return t.tenant.sources.flatMap((s) => {
        const d = s.config.delivery;
        const out: AccessRequest[] = [];
        const svc = d.servicePrincipal;
        // An organization trail of another account, named by its ARN (issue 18, item 6).
        if (d.kind === "native" && svc === "cloudtrail.amazonaws.com" && d.organizationTrail && !s.existingBucket)
          return organizationTrailRequests(t, s, d.organizationTrail, r);
        // A source on an existing bucket is written by its owner's delivery, into the owner's bucket (family "existing buckets").
        if (d.kind === "native" && svc && !s.existingBucket) {
          const who = service(svc);
          // The tenant's own trail, detector or VPC delivers for the environment's account.
          const sourceArn =
            svc === "cloudtrail.amazonaws.com"
              ? `arn:aws:cloudtrail:${t.region}:${t.account}:trail/${t.tenant.id}-trail`
              : svc === "guardduty.amazonaws.com"
                ? `arn:aws:guardduty:${t.region}:${t.account}:detector/12abc34d567e8fa901bc2d34e56789f0`
                : `arn:aws:logs:${t.region}:${t.account}:*`;
          const src = fromService(t.account, sourceArn);
          const object = s3Object(t.bucket, nativeKey(s, svc, t.account, t.region));
          if (svc === "guardduty.amazonaws.com") {
            out.push(
              r(`GuardDuty checks the ${s.name} export bucket's location`, who, "s3:GetBucketLocation", s3Bucket(t.bucket), "Allowed", {
                context: src,
                cite: CITE.guardDuty,
                item: "16.3",
              }),
            );
            for (const [label, headers] of [
              ["SSE-KMS with the tenant key", sseKms(t.key)],
              ["no SSE headers", NO_SSE],
            ] as const)
              out.push(
                r(`GuardDuty exports findings to ${s.name} (${label})`, who, "s3:PutObject", object, "Allowed", {
                  context: { ...src, ...headers },
                  cite: CITE.guardDuty,
                }),
              );
            out.push(r(`GuardDuty generates a data key for ${s.name}`, who, "kms:GenerateDataKey", t.key, "Allowed", { context: src, cite: CITE.guardDuty }));
          } else if (svc === "cloudtrail.amazonaws.com") {
            out.push(
              r(`CloudTrail checks the ${s.name} bucket's ACL`, who, "s3:GetBucketAcl", s3Bucket(t.bucket), "Allowed", {
                context: src,
                cite: CITE.cloudTrailLogs,
              }),
            );
            for (const [label, headers] of [
              ["SSE-KMS with the tenant key", sseKms(t.key)],
              ["no SSE headers", NO_SSE],
            ] as const)
              out.push(
                r(`CloudTrail delivers a log file to ${s.name} (${label})`, who, "s3:PutObject", object, "Allowed", {
                  context: { ...src, ...ownerFullControl, ...headers },
                  cite: CITE.cloudTrailLogs,
                }),
              );
            const digest = s3Object(t.bucket, cloudTrailDigestKey(s.keyPrefix, t.account, t.region, `${t.tenant.id}-trail`));
            out.push(
              r(`CloudTrail delivers a digest file to ${s.name} (SSE-S3)`, who, "s3:PutObject", digest, "Allowed", {
                context: { ...src, ...ownerFullControl, ...SSE_S3 },
                cite: CITE.cloudTrailDigest,
                item: "16.2",
              }),
            );
            out.push(
              r(`CloudTrail generates a data key for ${s.name}`, who, "kms:GenerateDataKey", t.key, "Allowed", {
                context: { ...src, "kms:EncryptionContext:aws:cloudtrail:arn": sourceArn },
                cite: CITE.cloudTrailLogs,
              }),
            );
            out.push(r(`CloudTrail describes the ${s.name} key`, who, "kms:DescribeKey", t.key, "Allowed", { context: src, cite: CITE.cloudTrailLogs }));
          } else {
            out.push(
              r(`${svc} checks the ${s.name} bucket's ACL`, who, "s3:GetBucketAcl", s3Bucket(t.bucket), "Allowed", {
                context: src,
                cite: CITE.vendedLogsNoSse,
              }),
            );
            out.push(
              r(`${svc} delivers a ${s.name} log file (no SSE headers)`, who, "s3:PutObject", object, "Allowed", {
                context: { ...src, ...ownerFullControl },
                cite: CITE.vendedLogsNoSse,
                item: "16.1",
              }),
            );
            out.push(
              r(`${svc} delivers a ${s.name} log file (SSE-KMS with the tenant key)`, who, "s3:PutObject", object, "Allowed", {
                context: { ...src, ...ownerFullControl, ...sseKms(t.key) },
                cite: CITE.vendedLogsNoSse,
              }),
            );
            out.push(r(`${svc} generates a data key for ${s.name}`, who, "kms:GenerateDataKey", t.key, "Allowed", { context: src, cite: CITE.vendedLogsKms }));
            out.push(
              r(`${svc} decrypts a data key for a multipart ${s.name} upload`, who, "kms:Decrypt", t.key, "Allowed", {
                context: src,
                cite: CITE.vendedLogsKms,
                item: "16.4",
              }),
            );
          }
          // The same service, for someone else's account (confused deputy), or outside its prefix.
          out.push(
            r(`${svc} delivering to ${s.name} for another account`, who, "s3:PutObject", object, "Denied", {
              context: { ...fromService(FOREIGN_ACCOUNT, sourceArn.replace(t.account, FOREIGN_ACCOUNT)), ...sseKms(t.key) },
            }),
          );
          out.push(
            r(`${svc} writing outside ${s.keyPrefix}`, who, "s3:PutObject", s3Object(t.bucket, `_puller-state/${s.name}.json`), "Denied", {
              context: { ...src, ...sseKms(t.key) },
            }),
          );
        }
        for (const writer of d.writerRoleArns ?? []) {
          // A writer the config names (GitHub's audit log stream role): its own policy is the customer's, assumed to allow the put.
          const who = outsideRole(writer, `writer role ${writer.split("/").pop()}`, [
            allowing("the writer's own policy (assumed)", ["s3:PutObject", "kms:GenerateDataKey"], [`${s3Bucket(t.bucket)}/*`, t.key]),
          ]);
          const object = s3Object(t.bucket, `${s.keyPrefix}${DAY}/10/stream-0001.json.gz`);
          for (const [label, headers] of [
            ["SSE-KMS with the tenant key", sseKms(t.key)],
            ["no SSE headers", NO_SSE],
          ] as const)
            out.push(r(`${s.name} writer role puts a file (${label})`, who, "s3:PutObject", object, "Allowed", { context: headers }));
          out.push(r(`${s.name} writer role generates a data key`, who, "kms:GenerateDataKey", t.key, "Allowed", { context: kmsViaS3(t.region, t.bucket) }));
        }
        return out;
      });
    }),
};

/** The scheduled functions (pullers, Kafka consumers) the config asks for, found in the tenant's stack by what they write. */
function scheduledWriters(t: TenantScope) {
  return t.tenant.sources.flatMap((s) => {
    const d = s.config.delivery;
    if (d.kind !== "puller" && d.kind !== "kafka") return [];
    const kind = d.kind;
    const v =
      kind === "puller"
        ? { bucket: "PULLER_BUCKET", prefix: "PULLER_PREFIX", secret: "PULLER_SECRET_ID", key: "PULLER_KMS_KEY_ID" }
        : { bucket: "KAFKA_INGEST_BUCKET", prefix: "KAFKA_INGEST_PREFIX", secret: "KAFKA_INGEST_SECRET_ID", key: "KAFKA_INGEST_KMS_KEY_ID" };
    const fn = only(
      t.world.ofType("aws_lambda_function", t.stack).filter((f) => envVars(f)[v.bucket] === t.bucket && envVars(f)[v.prefix] === s.keyPrefix),
      `${kind} function writing s3://${t.bucket}/${s.keyPrefix} in ${t.stack}`,
    );
    const vars = envVars(fn);
    const schedule = only(
      t.world.ofType("aws_scheduler_schedule", t.stack).filter((x) => (x.attrs.target as { arn?: string }).arn === fn.attrs.arn),
      `schedule of ${String(fn.attrs.function_name)}`,
    );
    return [{ source: s, kind, fn, vars, secret: vars[v.secret], kmsKey: vars[v.key], stateKey: vars.PULLER_STATE_KEY, schedule }];
  });
}

const scheduledFunctions: Family = {
  name: "pullers and Kafka consumers",
  requests: (example) =>
    tenantsOf(example).flatMap((t) => {
      const r = maker(t.stack, "pullers and Kafka consumers");
      return scheduledWriters(t).flatMap(({ source: s, kind, fn, secret, kmsKey, stateKey, schedule }) => {
        const name = String(fn.attrs.function_name);
        const roleArn = String(fn.attrs.role);
        const who = roleSession(t.world, roleArn, `${kind} role ${name}`);
        const cite = kind === "puller" ? CITE.puller : CITE.kafka;
        const file = s3Object(t.bucket, `${s.keyPrefix}${DAY}/10/${name}-0001.json.gz`);
        const target = schedule.attrs.target as { role_arn: string };
        const scheduleRole = roleSession(t.world, target.role_arn, `scheduler role of ${name}`);
        const logGroup = String((fn.attrs.logging_config as { log_group: string }).log_group);
        const logGroupArn = `arn:aws:logs:${t.region}:${t.account}:log-group:${logGroup}`;
        const dlq = String((fn.attrs.dead_letter_config as { target_arn: string }).target_arn);
        const out: AccessRequest[] = [
          r(`Lambda runs ${name}`, service("lambda.amazonaws.com"), "sts:AssumeRole", roleArn, "Allowed", {
            context: fromService(t.account, String(fn.attrs.arn)),
          }),
          r(`EventBridge Scheduler starts ${name}`, service("scheduler.amazonaws.com"), "sts:AssumeRole", target.role_arn, "Allowed", {
            context: fromService(t.account, String(schedule.attrs.arn)),
          }),
          r(`the schedule invokes ${name}`, scheduleRole, "lambda:InvokeFunction", String(fn.attrs.arn), "Allowed"),
          r(`the scheduler decrypts its schedule of ${name}`, scheduleRole, "kms:Decrypt", t.key, "Allowed", {
            context: { "kms:EncryptionContext:aws:scheduler:schedule:arn": String(schedule.attrs.arn) },
          }),
          r(`${name} puts a file under ${s.keyPrefix}`, who, "s3:PutObject", file, "Allowed", { context: sseKms(kmsKey), cite }),
          r(`${name} generates a data key`, who, "kms:GenerateDataKey", kmsKey, "Allowed", { context: kmsViaS3(t.region, t.bucket) }),
          r(`${name} lists the bucket (a missing object is 404, not 403)`, who, "s3:ListBucket", s3Bucket(t.bucket), "Allowed", {
            context: { "s3:prefix": s.keyPrefix },
          }),
          r(`${name} reads its secret`, who, "secretsmanager:GetSecretValue", secret, "Allowed"),
          r(`${name} decrypts its secret`, who, "kms:Decrypt", kmsKey, "Allowed", {
            context: { "kms:ViaService": `secretsmanager.${t.region}.amazonaws.com`, "kms:EncryptionContext:SecretARN": secret },
          }),
          r(`${name} sends a dead letter`, who, "sqs:SendMessage", dlq, "Allowed"),
          r(`${name} writes its log`, who, "logs:PutLogEvents", `${logGroupArn}:log-stream:2026/12/01/[$LATEST]0123456789abcdef`, "Allowed"),
          r(`CloudWatch Logs encrypts ${logGroup}`, service(`logs.${t.region}.amazonaws.com`), "kms:GenerateDataKey", t.key, "Allowed", {
            context: { "kms:EncryptionContext:aws:logs:arn": logGroupArn },
          }),
          r(`${name} puts a file with SSE-S3`, who, "s3:PutObject", file, "Denied", { context: SSE_S3, deniedBy: "DenyNonKmsEncryptedPuts" }),
          r(`${name} puts a file with another KMS key`, who, "s3:PutObject", file, "Denied", {
            context: sseKms(`arn:aws:kms:${t.region}:${t.account}:key/00000000-0000-0000-0000-000000000000`),
            deniedBy: "DenyWrongKmsKeyPuts",
          }),
          r(`${name} puts a file with SSE-KMS but no key id (S3 would use aws/s3)`, who, "s3:PutObject", file, "Denied", {
            context: { "s3:x-amz-server-side-encryption": "aws:kms" },
            cite: CITE.kmsWithoutKeyId,
          }),
          r(`${name} deletes a file`, who, "s3:DeleteObject", file, "Denied"),
        ];
        if (kind === "puller") {
          const state = s3Object(t.bucket, stateKey);
          out.push(
            r(`${name} reads its state`, who, "s3:GetObject", state, "Allowed"),
            r(`${name} writes its state`, who, "s3:PutObject", state, "Allowed", { context: sseKms(kmsKey), cite }),
            r(`${name} decrypts its state`, who, "kms:Decrypt", kmsKey, "Allowed", { context: kmsViaS3(t.region, t.bucket) }),
          );
        } else {
          out.push(r(`${name} finds its own batches`, who, "s3:GetObject", file, "Allowed"));
        }
        // Never another source's files or state, never another tenant's bucket.
        for (const other of t.tenant.sources.filter((o) => o.name !== s.name)) {
          out.push(
            r(`${name} puts under ${other.keyPrefix}`, who, "s3:PutObject", s3Object(t.bucket, `${other.keyPrefix}${DAY}/10/x.json.gz`), "Denied", {
              context: sseKms(kmsKey),
            }),
          );
        }
        out.push(
          r(`${name} overwrites another source's state`, who, "s3:PutObject", s3Object(t.bucket, `_puller-state/${s.name}-other.json`), "Denied", {
            context: sseKms(kmsKey),
          }),
        );
        for (const other of t.env.tenants.filter((o) => o.id !== t.tenant.id)) {
          out.push(
            r(`${name} puts into tenant ${other.id}'s bucket`, who, "s3:PutObject", s3Object(other.bucketName, `${s.keyPrefix}${DAY}/10/x.json.gz`), "Denied", {
              context: NO_SSE,
            }),
          );
        }
        return out;
      });
    }),
};

const streams: Family = {
  name: "Firehose and Kinesis",
  requests: (example) =>
    tenantsOf(example).flatMap((t) => {
      const r = maker(t.stack, "Firehose and Kinesis");
      return t.tenant.sources.flatMap((s) => {
        const f = s.config.delivery.firehose;
        if (s.config.delivery.kind !== "firehose" || !f) return [];
        const delivery = only(
          t.world.ofType("aws_kinesis_firehose_delivery_stream", t.stack).filter((x) => {
            const c = x.attrs.extended_s3_configuration as { bucket_arn: string; prefix: string };
            return c.bucket_arn === s3Bucket(t.bucket) && c.prefix.startsWith(s.keyPrefix);
          }),
          `delivery stream into s3://${t.bucket}/${s.keyPrefix}`,
        );
        const c = delivery.attrs.extended_s3_configuration as {
          role_arn: string;
          error_output_prefix: string;
          kms_key_arn: string;
          cloudwatch_logging_options: { log_group_name: string; log_stream_name: string };
        };
        const who = roleSession(t.world, c.role_arn, `Firehose role ${String(delivery.attrs.name)}`);
        const errorPrefix = c.error_output_prefix.split("!{")[0];
        const logArn = `arn:aws:logs:${t.region}:${t.account}:log-group:${c.cloudwatch_logging_options.log_group_name}:log-stream:${c.cloudwatch_logging_options.log_stream_name}`;
        const out: AccessRequest[] = [
          r("Firehose assumes its delivery role", service("firehose.amazonaws.com"), "sts:AssumeRole", c.role_arn, "Allowed", {
            context: { "sts:ExternalId": t.account },
          }),
          r("Firehose locates the bucket", who, "s3:GetBucketLocation", s3Bucket(t.bucket), "Allowed"),
          r("Firehose lists its prefix", who, "s3:ListBucket", s3Bucket(t.bucket), "Allowed", { context: { "s3:prefix": s.keyPrefix } }),
          r("Firehose generates a data key", who, "kms:GenerateDataKey", c.kms_key_arn, "Allowed", { context: kmsViaS3(t.region, t.bucket) }),
          r("Firehose writes its delivery log", who, "logs:PutLogEvents", logArn, "Allowed"),
          r("Firehose writes under another source's prefix", who, "s3:PutObject", s3Object(t.bucket, `_puller-state/${s.name}.json`), "Denied", {
            context: sseKms(c.kms_key_arn),
          }),
        ];
        for (const [label, headers] of [
          ["SSE-KMS with the tenant key", sseKms(c.kms_key_arn)],
          ["no SSE headers", NO_SSE],
        ] as const) {
          out.push(
            r(
              `Firehose delivers ${s.name} (${label})`,
              who,
              "s3:PutObject",
              s3Object(t.bucket, `${s.keyPrefix}${DAY}/10/${String(delivery.attrs.name)}-1-2026-12-01-10-00-00-abcdef.json.gz`),
              "Allowed",
              { context: headers, cite: CITE.firehose },
            ),
          );
          out.push(
            r(
              `Firehose writes failed ${s.name} records (${label})`,
              who,
              "s3:PutObject",
              s3Object(t.bucket, `${errorPrefix}processing-failed/${DAY}/10/x.json.gz`),
              "Allowed",
              { context: headers, cite: CITE.firehose },
            ),
          );
        }
        const streamArn = (delivery.attrs.kinesis_source_configuration as { kinesis_stream_arn?: string } | undefined)?.kinesis_stream_arn;
        if (streamArn) {
          const attacker = intruder(t.account);
          out.push(
            r("Firehose reads the Kinesis stream", who, "kinesis:GetRecords", streamArn, "Allowed"),
            r("Firehose gets a shard iterator", who, "kinesis:GetShardIterator", streamArn, "Allowed"),
            r("Firehose decrypts stream records", who, "kms:Decrypt", t.key, "Allowed", {
              context: { "kms:ViaService": `kinesis.${t.region}.amazonaws.com`, "kms:EncryptionContext:aws:kinesis:arn": streamArn },
            }),
            r("an administrator reads the stream", attacker, "kinesis:GetRecords", streamArn, "Denied", { deniedBy: "OnlyConsumersRead" }),
            r("an administrator puts into the stream", attacker, "kinesis:PutRecord", streamArn, "Denied", { deniedBy: "OnlyProducersPut" }),
          );
          for (const producer of f.producerRoleArns ?? []) {
            const p = outsideRole(producer, `producer ${producer.split("/").pop()}`, [
              allowing(
                "the producer's own policy (assumed)",
                ["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:GetRecords", "kms:GenerateDataKey"],
                [streamArn, t.key],
              ),
            ]);
            out.push(
              r("the producer puts records", p, "kinesis:PutRecords", streamArn, "Allowed"),
              r("the producer puts a record", p, "kinesis:PutRecord", streamArn, "Allowed"),
              r("the producer reads the stream", p, "kinesis:GetRecords", streamArn, "Denied", { deniedBy: "OnlyConsumersRead" }),
            );
          }
        }
        return out;
      });
    }),
};

const snowflakeRoles: Family = {
  name: "Snowflake access roles",
  requests: (example) =>
    tenantsOf(example).flatMap((t) => {
      const r = maker(t.stack, "Snowflake access roles");
      const user = snowflakeUser(t.env, t.region);
      const sf = outsideUser(user, "Snowflake's IAM user", [allowing("Snowflake's own policy (assumed)", "sts:AssumeRole")]);
      const vault = t.tenant.backup;
      const vaultKey = vault ? keyByAlias(t.world, t.stack, vault.vaultBucketName) : undefined;
      return t.tenant.sources.flatMap((s) => {
        const roleArn = SnowflakeAccessRole.arnFor(t.account, s.accessRoleName);
        const who = roleSession(t.world, roleArn, `Snowflake role ${s.accessRoleName}`);
        // The bucket the source reads: the tenant's, or an existing bucket (its owner's policies, as printed, are in the world).
        const bucket = s.bucketName;
        const key = s.existingBucket ? s.existingBucket.kmsKeyArn : t.key;
        const file = s3Object(bucket, nativeKeyOrDay(s));
        const externalId = externalIdOf(t.world, t.stack, t.account, s);
        // Up to storage-integration 0.1.0 the external id was derived from names: any integration of the
        // same Snowflake account (one IAM user serves them all) could present it.
        const nameDerived = `${t.lakehouse.organization}-${t.env.name}-${t.tenant.id}-${s.name}`;
        const out: AccessRequest[] = [
          r(`Snowflake assumes the ${s.name} role with the external id Snowflake generated for its integration`, sf, "sts:AssumeRole", roleArn, "Allowed", {
            context: { "sts:ExternalId": externalId },
          }),
          r(`Snowflake assumes the ${s.name} role without its external id`, sf, "sts:AssumeRole", roleArn, "Denied"),
          r(
            `another integration of the Snowflake account assumes the ${s.name} role with the name-derived external id ${nameDerived}`,
            sf,
            "sts:AssumeRole",
            roleArn,
            "Denied",
            { context: { "sts:ExternalId": nameDerived }, item: "16.5" },
          ),
          r(`Snowpipe reads a ${s.name} file`, who, "s3:GetObject", file, "Allowed"),
          r(`Snowpipe reads a ${s.name} file version`, who, "s3:GetObjectVersion", file, "Allowed"),
          r(`Snowpipe lists ${s.keyPrefix}`, who, "s3:ListBucket", s3Bucket(bucket), "Allowed", { context: { "s3:prefix": `${s.keyPrefix}2026/` } }),
          r("Snowpipe locates the bucket", who, "s3:GetBucketLocation", s3Bucket(bucket), "Allowed"),
          ...(key ? [r(`Snowpipe decrypts a ${s.name} file`, who, "kms:Decrypt", key, "Allowed", { context: kmsViaS3(t.region, bucket) })] : []),
          r(`the ${s.name} role lists the whole bucket`, who, "s3:ListBucket", s3Bucket(bucket), "Denied", { context: { "s3:prefix": "" } }),
          r(`the ${s.name} role reads puller state`, who, "s3:GetObject", s3Object(t.bucket, "_puller-state/okta.json"), "Denied"),
          r(`the ${s.name} role writes a file`, who, "s3:PutObject", file, "Denied", { context: key ? sseKms(key) : NO_SSE }),
          r(`the ${s.name} role deletes a file`, who, "s3:DeleteObject", file, "Denied"),
        ];
        for (const other of t.tenant.sources.filter((o) => o.name !== s.name))
          out.push(r(`the ${s.name} role reads ${other.name}`, who, "s3:GetObject", s3Object(t.bucket, `${other.keyPrefix}${DAY}/x.json.gz`), "Denied"));
        for (const other of t.env.tenants.filter((o) => o.id !== t.tenant.id)) {
          out.push(
            r(
              `the ${s.name} role reads tenant ${other.id}'s bucket`,
              who,
              "s3:GetObject",
              s3Object(other.bucketName, `${s.keyPrefix}${DAY}/x.json.gz`),
              "Denied",
            ),
          );
          for (const o of other.sources.filter((x) => x.name === s.name))
            out.push(
              r(
                `Snowflake assumes tenant ${other.id}'s ${o.name} role with ${t.tenant.id}'s external id`,
                sf,
                "sts:AssumeRole",
                SnowflakeAccessRole.arnFor(other.accountId, o.accessRoleName),
                "Denied",
                { context: { "sts:ExternalId": externalId }, item: "16.5" },
              ),
            );
        }
        if (vault && vaultKey) {
          const backupFile = s3Object(vault.vaultBucketName, nativeKeyOrDay(s));
          if (vault.restoreReady && !s.existingBucket) {
            out.push(
              r(`the ${s.name} backup stage reads the vault`, who, "s3:GetObject", backupFile, "Allowed"),
              r(`the ${s.name} backup stage lists its vault prefix`, who, "s3:ListBucket", s3Bucket(vault.vaultBucketName), "Allowed", {
                context: { "s3:prefix": s.keyPrefix },
              }),
              r(`the ${s.name} backup stage decrypts with the vault key`, who, "kms:Decrypt", vaultKey, "Allowed", {
                context: kmsViaS3(t.region, vault.vaultBucketName),
              }),
              r(`the ${s.name} role restores from the vault (billed, the restore role's)`, who, "s3:RestoreObject", backupFile, "Denied"),
            );
          } else {
            out.push(
              r(
                `the ${s.name} role reads the vault (${s.existingBucket ? "its files are not in it" : "not restore-ready"})`,
                who,
                "s3:GetObject",
                backupFile,
                "Denied",
              ),
            );
          }
        }
        return out;
      });
    }),
};

/**
 * A source on an existing bucket (issue 18, item 6): the bucket is its owner's, in another account,
 * so Snowflake's access role reads it only when both the role's identity policy (synthesized) and the
 * owner's bucket and key policies allow it (IAM User Guide, "Cross-account policy evaluation logic").
 * The owner's policies are those `lakehouse external-access` prints (stacks/external-access.ts), put
 * into the world by `ownerPolicies`; each request is decided with and without them.
 */
export const OWNERS_BASELINE_SID = "OwnersOwnDenyInsecureTransport";

/**
 * The policies of the existing buckets and keys the config reads, as their owners would hold them after
 * adding what `lakehouse external-access` prints: the owner's own statements (a TLS-only deny; for a key,
 * its account's administration through IAM) and the printed ones. `without` leaves the printed ones out.
 */
export function ownerPolicies(lakehouse: ResolvedLakehouse, o: { without?: boolean } = {}): { arn: string; accountId: string; policy: SourcedPolicy }[] {
  const out = new Map<string, { arn: string; accountId: string; statements: PolicyStatementJson[] }>();
  for (const a of externalAccess(lakehouse)) {
    const bucket = out.get(a.bucket.arn) ?? {
      arn: a.bucket.arn,
      accountId: a.bucket.accountId,
      statements: [
        {
          Sid: OWNERS_BASELINE_SID,
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [a.bucket.arn, `${a.bucket.arn}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    };
    if (!o.without) bucket.statements.push(...(a.bucketPolicyStatements as PolicyStatementJson[]));
    out.set(a.bucket.arn, bucket);
    if (a.key) {
      const owner = a.key.arn.split(":")[4];
      const key = out.get(a.key.arn) ?? {
        arn: a.key.arn,
        accountId: owner,
        statements: [
          { Sid: "OwnersAccountAdministersKeyThroughIam", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${owner}:root` }, Action: "kms:*", Resource: "*" },
        ],
      };
      if (!o.without) key.statements.push(...(a.key.policyStatements as PolicyStatementJson[]));
      out.set(a.key.arn, key);
    }
  }
  return [...out.values()].map((x) => ({
    arn: x.arn,
    accountId: x.accountId,
    policy: {
      id: `${o.without ? "the owner's policy before" : "the owner's policy with"} lakehouse external-access (${x.arn})`,
      doc: { Version: "2012-10-17", Statement: x.statements },
    },
  }));
}

const existingBuckets: Family = {
  name: "existing buckets: the owner's printed statements",
  requests: (example) => {
    if (!example.lakehouse) return [];
    const before = new Map(ownerPolicies(example.lakehouse, { without: true }).map((p) => [p.arn, p.policy]));
    return tenantsOf(example).flatMap((t) => {
      const r = maker(t.stack, "existing buckets: the owner's printed statements");
      return t.tenant.sources.flatMap((s) => {
        const e = s.existingBucket;
        if (!e) return [];
        const roleArn = SnowflakeAccessRole.arnFor(t.account, s.accessRoleName);
        const who = roleSession(t.world, roleArn, `Snowflake role ${s.accessRoleName}`);
        const bucketArn = s3Bucket(e.name);
        // An organization trail's key names: <prefix><account>/CloudTrail/<region>/YYYY/MM/DD/<file> (CloudTrail User Guide, "Finding your CloudTrail log files").
        const file = s3Object(
          e.name,
          `${e.prefix}${t.account}/CloudTrail/${t.region}/${DAY}/${t.account}_CloudTrail_${t.region}_20261201T1005Z_AbCdEfGhIjKlMnOp.json.gz`,
        );
        const outside = s3Object(e.name, `AWSLogs/o-someoneelse/${t.account}/CloudTrail/${t.region}/${DAY}/x.json.gz`);
        const withoutPrinted = { resourcePolicy: before.get(bucketArn) };
        const out: AccessRequest[] = [
          r(`Snowpipe reads a ${s.name} file under s3://${e.name}/${e.prefix}`, who, "s3:GetObject", file, "Allowed", { item: "18.6" }),
          r(`Snowpipe reads a ${s.name} file version`, who, "s3:GetObjectVersion", file, "Allowed"),
          r(`Snowpipe lists ${e.prefix}`, who, "s3:ListBucket", bucketArn, "Allowed", { context: { "s3:prefix": `${e.prefix}${t.account}/` } }),
          r(`Snowpipe locates ${e.name}`, who, "s3:GetBucketLocation", bucketArn, "Allowed"),
          r(`the ${s.name} role reads outside ${e.prefix}`, who, "s3:GetObject", outside, "Denied", { item: "18.6" }),
          r(`the ${s.name} role lists the whole bucket`, who, "s3:ListBucket", bucketArn, "Denied", { context: { "s3:prefix": "" } }),
          r(`the ${s.name} role writes into the owner's bucket`, who, "s3:PutObject", file, "Denied", { context: e.kmsKeyArn ? sseKms(e.kmsKeyArn) : NO_SSE }),
          r(`the ${s.name} role deletes a file of the owner's`, who, "s3:DeleteObject", file, "Denied"),
          r(`a plain-HTTP read of ${e.name} (the owner's own deny stays)`, who, "s3:GetObject", file, "Denied", {
            context: { "aws:SecureTransport": "false" },
            deniedBy: OWNERS_BASELINE_SID,
          }),
          // Cross-account: the role's own policy allows it, but without the owner's statement nothing on the bucket's side does.
          r(`without the printed bucket statements, Snowpipe reads a ${s.name} file`, who, "s3:GetObject", file, "Denied", { ...withoutPrinted, item: "18.6" }),
          r(`without the printed bucket statements, Snowpipe lists ${e.prefix}`, who, "s3:ListBucket", bucketArn, "Denied", {
            ...withoutPrinted,
            context: { "s3:prefix": `${e.prefix}${t.account}/` },
          }),
          // Nothing of the source is in the tenant's bucket: its delivery service is not admitted there.
          ...(s.config.delivery.servicePrincipal
            ? [
                r(
                  `${s.config.delivery.servicePrincipal} delivering ${s.name} into the tenant's bucket`,
                  service(s.config.delivery.servicePrincipal),
                  "s3:PutObject",
                  s3Object(t.bucket, file.split(`${e.name}/`)[1]),
                  "Denied",
                  {
                    context: { ...fromService(t.account, `arn:aws:cloudtrail:${t.region}:${t.account}:trail/${t.tenant.id}-trail`), ...sseKms(t.key) },
                  },
                ),
              ]
            : []),
        ];
        if (e.kmsKeyArn) {
          const viaS3 = kmsViaS3(t.region, e.name);
          out.push(
            r(`Snowpipe decrypts a ${s.name} file with the owner's key, through S3`, who, "kms:Decrypt", e.kmsKeyArn, "Allowed", {
              context: viaS3,
              item: "18.6",
            }),
            r(`the ${s.name} role decrypts with the owner's key directly (not through S3)`, who, "kms:Decrypt", e.kmsKeyArn, "Denied"),
            r(`the ${s.name} role decrypts with the owner's key through SQS`, who, "kms:Decrypt", e.kmsKeyArn, "Denied", {
              context: { "kms:ViaService": `sqs.${t.region}.amazonaws.com` },
            }),
            r(`the ${s.name} role encrypts with the owner's key`, who, "kms:GenerateDataKey", e.kmsKeyArn, "Denied", { context: viaS3 }),
            r(`without the printed key statement, Snowpipe decrypts a ${s.name} file`, who, "kms:Decrypt", e.kmsKeyArn, "Denied", {
              context: viaS3,
              resourcePolicy: before.get(e.kmsKeyArn),
              item: "18.6",
            }),
          );
        }
        // Another tenant's Snowflake roles (every source's), in any account the config uses: not named by the owner, not allowed by themselves.
        for (const other of t.env.tenants.filter((o) => o.id !== t.tenant.id)) {
          for (const o of other.sources) {
            const stranger = roleSession(
              t.world,
              SnowflakeAccessRole.arnFor(other.accountId, o.accessRoleName),
              `tenant ${other.id}'s Snowflake role ${o.accessRoleName}`,
            );
            out.push(r(`tenant ${other.id}'s ${o.name} role reads ${s.name}'s files`, stranger, "s3:GetObject", file, "Denied", { item: "18.6" }));
            if (e.kmsKeyArn)
              out.push(
                r(`tenant ${other.id}'s ${o.name} role decrypts with the owner's key`, stranger, "kms:Decrypt", e.kmsKeyArn, "Denied", {
                  context: kmsViaS3(t.region, e.name),
                }),
              );
          }
        }
        // Whatever its own policy allows, no other principal of the tenant's account is named by the owner.
        const admin = intruder(t.account);
        out.push(r(`an administrator of the tenant's account reads ${s.name}'s files`, admin, "s3:GetObject", file, "Denied", { item: "18.6" }));
        if (e.kmsKeyArn)
          out.push(
            r(`an administrator of the tenant's account decrypts with the owner's key`, admin, "kms:Decrypt", e.kmsKeyArn, "Denied", {
              context: kmsViaS3(t.region, e.name),
            }),
          );
        // The tenant's own other sources' roles: only this source's role is named.
        for (const o of t.tenant.sources.filter((x) => x.name !== s.name)) {
          const sibling = roleSession(t.world, SnowflakeAccessRole.arnFor(t.account, o.accessRoleName), `Snowflake role ${o.accessRoleName}`);
          out.push(r(`the tenant's ${o.name} role reads ${s.name}'s files`, sibling, "s3:GetObject", file, "Denied"));
        }
        return out;
      });
    });
  },
};

/**
 * The external id Snowflake generated for a source's storage integration (known after apply; the
 * world's stand-in), which the source's access role's trust requires.
 */
function externalIdOf(world: World, stack: string, account: string, s: ResolvedSource): string {
  const roleArn = SnowflakeAccessRole.arnFor(account, s.accessRoleName);
  return only(
    world.integrations(stack).filter((i) => i.name === s.storageIntegrationName && i.roleArn === roleArn),
    `storage integration ${s.storageIntegrationName} of ${stack} assuming ${roleArn}`,
  ).externalId;
}

function nativeKeyOrDay(s: ResolvedSource): string {
  return `${s.keyPrefix}${DAY}/10/file-0001${s.config.fileSuffix ?? ".json.gz"}`;
}

/**
 * The tenant's read, ops and restore roles trust the principals `access.readers` / `operators` name,
 * and nobody else (aws/tenant-access-roles 0.3.0, issue 16 item 6): a role nobody is named for is not
 * made (test/access/access.test.ts checks that). Up to 0.2.0 an unnamed role trusted the account's
 * principals tagged `lakehouse:tenant=<id>`, which anyone allowed to tag themselves or pass session tags
 * satisfied; that principal is now refused, as is every other tenant's named principal.
 */
export function tenantRoleTrust(t: { readonly account: string; readonly tenant: ResolvedTenant }): { role: string; named: readonly string[] }[] {
  const access = t.tenant.config.access;
  const readers = access?.readers ?? [];
  const operators = access?.operators ?? [];
  const prefix = `arn:aws:iam::${t.account}:role/${t.tenant.awsRolePrefix}`;
  return [
    ...(readers.length > 0 ? [{ role: `${prefix}-read`, named: readers }] : []),
    ...(operators.length > 0 ? [{ role: `${prefix}-ops`, named: operators }] : []),
    ...(operators.length > 0 && t.tenant.backup ? [{ role: TenantAccessRoles.restoreRoleArnFor(t.account, t.tenant.awsRolePrefix), named: operators }] : []),
  ];
}

const tenantRoles: Family = {
  name: "tenant read, ops and restore roles",
  requests: (example) =>
    tenantsOf(example).flatMap((t) => {
      const r = maker(t.stack, "tenant read, ops and restore roles");
      const assumer = (arn: string, tags?: Record<string, string>) =>
        outsideRole(
          arn,
          `${arn.split("/").pop()}${tags ? ` tagged ${JSON.stringify(tags)}` : ""}`,
          [allowing("its own policy (assumed)", "sts:AssumeRole")],
          tags,
        );
      // A principal of the tenant's account that tagged itself for the tenant (iam:TagRole) or passed the tag as a session tag.
      const selfTagged = (id: string) => assumer(`arn:aws:iam::${t.account}:role/${id}-intern`, { "lakehouse:tenant": id });
      const others = t.env.tenants.filter((o) => o.id !== t.tenant.id);
      const trust = tenantRoleTrust(t).flatMap(({ role, named }) => {
        const name = role.split("/").pop();
        // Other tenants' named principals that this role does not name too (one on-call role may operate every tenant).
        const strangers = [...new Set(others.flatMap((o) => [...(o.config.access?.readers ?? []), ...(o.config.access?.operators ?? [])]))].filter(
          (p) => !named.includes(p),
        );
        return [
          ...named.map((p) => r(`named ${p.split("/").pop()} assumes ${name}`, assumer(p), "sts:AssumeRole", role, "Allowed")),
          r(`a self-tagged principal assumes ${name}`, selfTagged(t.tenant.id), "sts:AssumeRole", role, "Denied", { item: "16.6" }),
          ...others.map((o) => r(`a principal tagged for tenant ${o.id} assumes ${name}`, selfTagged(o.id), "sts:AssumeRole", role, "Denied")),
          ...strangers.map((p) =>
            r(`${p.split("/").pop()}, named by another tenant only, assumes ${name}`, assumer(p), "sts:AssumeRole", role, "Denied", { item: "16.6" }),
          ),
          r(`an untagged role of the account assumes ${name}`, assumer(`arn:aws:iam::${t.account}:role/someone`), "sts:AssumeRole", role, "Denied"),
        ];
      });
      const roles = new Map(tenantRoleTrust(t).map(({ role }) => [role.split("-").pop(), role]));
      const read = roles.has("read") ? roleSession(t.world, roles.get("read")!, `read role of ${t.tenant.id}`) : undefined;
      const ops = roles.has("ops") ? roleSession(t.world, roles.get("ops")!, `ops role of ${t.tenant.id}`) : undefined;
      return [
        ...trust,
        ...t.tenant.sources.flatMap((s) => {
          const file = s3Object(t.bucket, nativeKeyOrDay(s));
          // A source on an existing bucket: its owner names only Snowflake's role; the tenant's roles get nothing there.
          if (s.existingBucket) {
            const theirs = s3Object(s.bucketName, nativeKeyOrDay(s));
            return [
              ...(read ? [r(`the read role reads ${s.name} in its owner's bucket`, read, "s3:GetObject", theirs, "Denied")] : []),
              ...(ops ? [r(`the ops role writes ${s.name} into its owner's bucket`, ops, "s3:PutObject", theirs, "Denied", { context: NO_SSE })] : []),
            ];
          }
          return [
            ...(read
              ? [
                  r(`the read role reads ${s.name}`, read, "s3:GetObject", file, "Allowed"),
                  r(`the read role writes ${s.name}`, read, "s3:PutObject", file, "Denied", { context: sseKms(t.key) }),
                  ...others.map((o) =>
                    r(`the read role reads tenant ${o.id}'s ${s.keyPrefix}`, read, "s3:GetObject", s3Object(o.bucketName, nativeKeyOrDay(s)), "Denied"),
                  ),
                ]
              : []),
            ...(ops
              ? [
                  r(`the ops role backfills ${s.name} (SSE-KMS with the tenant key)`, ops, "s3:PutObject", file, "Allowed", { context: sseKms(t.key) }),
                  r(`the ops role backfills ${s.name} (no SSE headers)`, ops, "s3:PutObject", file, "Allowed", { context: NO_SSE }),
                  r(`the ops role deletes from ${s.name}`, ops, "s3:DeleteObject", file, "Denied"),
                  ...others.map((o) =>
                    r(`the ops role writes tenant ${o.id}'s ${s.keyPrefix}`, ops, "s3:PutObject", s3Object(o.bucketName, nativeKeyOrDay(s)), "Denied", {
                      context: NO_SSE,
                    }),
                  ),
                ]
              : []),
          ];
        }),
      ];
    }),
};

const backupAndRestore: Family = {
  name: "replication, restore and batch roles",
  requests: (example) =>
    tenantsOf(example).flatMap((t) => {
      const b = t.tenant.backup;
      if (!b) return [];
      const r = maker(t.stack, "replication, restore and batch roles");
      const vault = b.vaultBucketName;
      const vaultKey = keyByAlias(t.world, t.stack, vault);
      const replicationArn = `arn:aws:iam::${t.account}:role/${b.replicationRoleName}`;
      const replication = roleSession(t.world, replicationArn, `replication role of ${t.tenant.id}`);
      const widenedReplication = outsideRole(replicationArn, `replication role of ${t.tenant.id}, its policy widened`, [
        allowing("AdministratorAccess (attached)", "*"),
      ]);
      // The restore roles are the operators' (aws/tenant-access-roles 0.3.0): a tenant without operators has none.
      const hasRestore = tenantRoleTrust(t).some(({ role }) => role.endsWith("-restore"));
      const restoreArn = TenantAccessRoles.restoreRoleArnFor(t.account, t.tenant.awsRolePrefix);
      const batchArn = TenantAccessRoles.restoreBatchRoleArnFor(t.account, t.tenant.awsRolePrefix);
      const first = t.tenant.sources.find((s) => !s.existingBucket)!;
      const stateKey = restoreStateKey(t.tenant.id, first.name, "2026-11-01", "2026-11-30");
      const manifest = batchManifestKey(stateKey, 0);
      const report = `${batchReportPrefix(stateKey)}/job-0123456789abcdef/results/0a1b2c3d.csv`;
      const attacker = intruder(t.account);
      const out: AccessRequest[] = [
        r("S3 assumes the replication role", service("s3.amazonaws.com"), "sts:AssumeRole", replicationArn, "Allowed", {
          context: fromService(t.account, s3Bucket(t.bucket)),
        }),
        r("S3 for another account assumes the replication role", service("s3.amazonaws.com"), "sts:AssumeRole", replicationArn, "Denied", {
          context: fromService(FOREIGN_ACCOUNT, s3Bucket("someone-elses-bucket")),
        }),
        r("replication reads the source's configuration", replication, "s3:GetReplicationConfiguration", s3Bucket(t.bucket), "Allowed"),
        r("replication lists the source", replication, "s3:ListBucket", s3Bucket(t.bucket), "Allowed"),
        r("replication decrypts source objects", replication, "kms:Decrypt", t.key, "Allowed", { context: kmsViaS3(t.region, t.bucket) }),
        r("replication encrypts replicas with the vault key", replication, "kms:GenerateDataKey", vaultKey, "Allowed", {
          context: { "kms:ViaService": `s3.${b.region}.amazonaws.com` },
        }),
        r(
          "replication replicates a delete (deletions never reach the backup)",
          replication,
          "s3:ReplicateDelete",
          s3Object(vault, nativeKeyOrDay(first)),
          "Denied",
          { deniedBy: undefined },
        ),
        r("an administrator puts into the vault", attacker, "s3:PutObject", s3Object(vault, nativeKeyOrDay(first)), "Denied", {
          context: sseKms(vaultKey),
          deniedBy: "DenyObjectWritesExceptAdministrators",
        }),
        r("an administrator writes a replica into the vault", attacker, "s3:ReplicateObject", s3Object(vault, nativeKeyOrDay(first)), "Denied", {
          deniedBy: "DenyReplicaWritesExceptReplication",
        }),
        // An administrator may widen the replication role (its trust, its policy): the vault still lets it write replicas only.
        ...[
          ["s3:DeleteObject", "DenyDeletesAndLockBypass"],
          ["s3:ReplicateDelete", "DenyDeletesAndLockBypass"],
          ["s3:PutObject", "DenyObjectWritesExceptAdministrators"],
          ["s3:PutObjectRetention", "DenyObjectWritesExceptAdministrators"],
        ].map(([action, deniedBy]) =>
          r(
            `the replication role, widened by an administrator: ${action} in the vault`,
            widenedReplication,
            action,
            s3Object(vault, nativeKeyOrDay(first)),
            "Denied",
            {
              context: action === "s3:PutObject" ? sseKms(vaultKey) : undefined,
              deniedBy,
            },
          ),
        ),
        // Applying the vault needs a role its policy exempts (issue 16, item 8): the stack assumes one for it.
        r("an administrator without the vault's exemption changes its policy", attacker, "s3:PutBucketPolicy", s3Bucket(vault), "Denied", { item: "16.8" }),
        r("an administrator without the vault's exemption lists it", attacker, "s3:ListBucket", s3Bucket(vault), "Denied", { item: "16.8" }),
      ];
      // The vault's own policy refuses the whole tamper set, log guard or not (copying the backups out by replication included).
      for (const action of TAMPER_BUCKET_ACTIONS.filter((a) => a !== "s3:PutBucketPolicy"))
        out.push(
          r(`an administrator without the vault's exemption: ${action} on the vault`, attacker, action, s3Bucket(vault), "Denied", {
            deniedBy: "DenyVaultConfigurationExceptAdministrators",
          }),
        );
      // And its key: deleting, disabling or re-policying it would lose every backup as surely (aws/kms-key 0.3.1).
      for (const action of TAMPER_KEY_ACTIONS)
        out.push(
          r(`an administrator without the vault's exemption: ${action} on the vault key`, attacker, action, vaultKey, "Denied", {
            deniedBy: "DenyKeyTamperingExceptAdministrators",
            context: keyTamperContext(action),
          }),
        );
      // What a deploy assumes for the vault: the environment's backup.deployRoleArn, or a tenant's own deploy role in its account.
      const deployer = b.deployRoleArn ?? t.tenant.ownAccount?.deployRoleArn;
      if (!deployer || !b.adminRoleArns.includes(deployer))
        throw new Error(`${t.stack}: the vault is applied as ${deployer ?? "no role"}, which is not among its administrators`);
      out.push(
        r(`the deploy role ${deployer.split("/").pop()} changes the vault's policy`, exemptAdmin(deployer), "s3:PutBucketPolicy", s3Bucket(vault), "Allowed", {
          item: "16.8",
        }),
      );
      // KMS refuses a key policy that would lock its caller out: the deploy role must keep PutKeyPolicy (and tag the key).
      out.push(
        r(`the deploy role ${deployer.split("/").pop()} changes the vault key's policy`, exemptAdmin(deployer), "kms:PutKeyPolicy", vaultKey, "Allowed"),
      );
      out.push(
        r(`the deploy role ${deployer.split("/").pop()} tags the vault key`, exemptAdmin(deployer), "kms:TagResource", vaultKey, "Allowed", {
          context: { "aws:TagKeys": ["lakehouse:module-version"] },
        }),
      );
      // A read-only plan refreshes the vault as a plan role: it may list the vault (HeadBucket) and read its configuration, nothing in it.
      for (const plan of b.planRoleArns) {
        const p = outsideRole(plan, `plan role ${plan.split("/").pop()}`, [
          allowing("ReadOnlyAccess (assumed)", ["s3:Get*", "s3:List*", "kms:Describe*", "kms:Get*", "kms:List*"]),
        ]);
        out.push(
          r("the plan role refreshes the vault (HeadBucket is s3:ListBucket)", p, "s3:ListBucket", s3Bucket(vault), "Allowed", { item: "16.8" }),
          r("the plan role reads the vault's policy", p, "s3:GetBucketPolicy", s3Bucket(vault), "Allowed", { item: "16.8" }),
          r("the plan role reads the vault's key policy", p, "kms:GetKeyPolicy", vaultKey, "Allowed", { item: "16.8" }),
          r("the plan role reads a backup", p, "s3:GetObject", s3Object(vault, nativeKeyOrDay(first)), "Denied", { item: "16.8" }),
          r("the plan role lists the backup versions", p, "s3:ListBucketVersions", s3Bucket(vault), "Denied", {
            deniedBy: "DenyVersionListingExceptVaultRoles",
            item: "16.8",
          }),
          r(
            "the plan role changes the vault's policy",
            outsideRole(plan, `plan role ${plan.split("/").pop()} (administrator)`, [allowing("AdministratorAccess (assumed)", "*")]),
            "s3:PutBucketPolicy",
            s3Bucket(vault),
            "Denied",
            { item: "16.8" },
          ),
        );
      }
      for (const admin of b.adminRoleArns) {
        const a = exemptAdmin(admin);
        out.push(
          r("a vault administrator deletes a locked backup version", a, "s3:DeleteObjectVersion", s3Object(vault, nativeKeyOrDay(first)), "Denied", {
            deniedBy: "DenyDeletesAndLockBypass",
          }),
          // A delete marker would hide the backup from a restore's listing, for good: removing it is a version delete.
          r("a vault administrator deletes a backup (a delete marker)", a, "s3:DeleteObject", s3Object(vault, nativeKeyOrDay(first)), "Denied", {
            deniedBy: "DenyDeletesAndLockBypass",
          }),
          r("a vault administrator bypasses governance retention", a, "s3:BypassGovernanceRetention", s3Object(vault, nativeKeyOrDay(first)), "Denied", {
            deniedBy: "DenyDeletesAndLockBypass",
          }),
          r("a vault administrator puts with the vault key", a, "s3:PutObject", s3Object(vault, nativeKeyOrDay(first)), "Allowed", {
            context: sseKms(vaultKey),
          }),
          // Nothing legitimate PutObjects into the vault: even an administrator must name the vault key.
          r("a vault administrator puts without SSE headers", a, "s3:PutObject", s3Object(vault, nativeKeyOrDay(first)), "Denied", {
            deniedBy: "DenyPutsNotEncryptedWithVaultKey",
          }),
          r("a vault administrator puts with SSE-S3", a, "s3:PutObject", s3Object(vault, nativeKeyOrDay(first)), "Denied", {
            context: SSE_S3,
            deniedBy: "DenyPutsNotEncryptedWithVaultKey",
          }),
        );
      }
      for (const s of t.tenant.sources.filter((x) => !x.existingBucket)) {
        const copy = s3Object(vault, nativeKeyOrDay(s));
        out.push(
          r(`replication reads a ${s.name} version`, replication, "s3:GetObjectVersionForReplication", s3Object(t.bucket, nativeKeyOrDay(s)), "Allowed"),
          r(`replication writes a ${s.name} replica`, replication, "s3:ReplicateObject", copy, "Allowed"),
          r(`replication copies ${s.name} tags`, replication, "s3:ReplicateTags", copy, "Allowed"),
        );
      }
      // Another tenant's vault: never this tenant's replication role.
      const othersWithVaults = t.env.tenants.filter((o) => o.id !== t.tenant.id && o.backup);
      for (const other of othersWithVaults)
        out.push(
          r(
            `replication writes into tenant ${other.id}'s vault`,
            replication,
            "s3:ReplicateObject",
            s3Object(other.backup!.vaultBucketName, nativeKeyOrDay(first)),
            "Denied",
          ),
        );
      if (!hasRestore) {
        if (t.world.role(restoreArn) || t.world.role(batchArn)) throw new Error(`${t.stack}: restore roles without operators to assume them`);
        return out;
      }

      const restore = roleSession(t.world, restoreArn, `restore role of ${t.tenant.id}`);
      const batch = roleSession(t.world, batchArn, `batch role of ${t.tenant.id}`);
      out.push(
        r("S3 Batch Operations assumes the batch role", service("batchoperations.s3.amazonaws.com"), "sts:AssumeRole", batchArn, "Allowed", {
          context: { "aws:SourceAccount": t.account },
        }),
        r("the restore role lists the vault", restore, "s3:ListBucket", s3Bucket(vault), "Allowed", { context: { "s3:prefix": first.keyPrefix } }),
        r("the restore role decrypts backups", restore, "kms:Decrypt", vaultKey, "Allowed", { context: kmsViaS3(b.region, vault) }),
        r("restore writes its state (no SSE headers)", restore, "s3:PutObject", s3Object(t.bucket, stateKey), "Allowed", {
          cite: CITE.restoreState,
          item: "16.1",
        }),
        r("restore reads its state", restore, "s3:GetObject", s3Object(t.bucket, stateKey), "Allowed"),
        r("restore writes a batch manifest (no SSE headers)", restore, "s3:PutObject", s3Object(t.bucket, manifest), "Allowed", {
          cite: CITE.restoreState,
          item: "16.1",
        }),
        r("restore lists its state", restore, "s3:ListBucket", s3Bucket(t.bucket), "Allowed", { context: { "s3:prefix": `_restore-state/${t.tenant.id}/` } }),
        r("restore encrypts its state with the tenant key", restore, "kms:GenerateDataKey", t.key, "Allowed", { context: kmsViaS3(t.region, t.bucket) }),
        r("restore creates a Batch Operations restore job", restore, "s3:CreateJob", "*", "Allowed", {
          context: { "s3:RequestJobOperation": "S3InitiateRestoreObject" },
        }),
        r("restore creates a Batch Operations copy job", restore, "s3:CreateJob", "*", "Denied", { context: { "s3:RequestJobOperation": "S3PutObjectCopy" } }),
        r("restore passes the batch role to S3 Batch Operations", restore, "iam:PassRole", batchArn, "Allowed", {
          context: { "iam:PassedToService": "batchoperations.s3.amazonaws.com" },
        }),
        r("restore passes the batch role to Lambda", restore, "iam:PassRole", batchArn, "Denied", {
          context: { "iam:PassedToService": "lambda.amazonaws.com" },
        }),
        r("the batch job reads its manifest", batch, "s3:GetObject", s3Object(t.bucket, manifest), "Allowed"),
        r("the batch job decrypts its manifest", batch, "kms:Decrypt", t.key, "Allowed", { context: kmsViaS3(t.region, t.bucket) }),
        r("the batch job writes its completion report (SSE-S3)", batch, "s3:PutObject", s3Object(t.bucket, report), "Allowed", {
          context: SSE_S3,
          cite: CITE.batchReport,
          item: "16.1",
        }),
        r("the batch job writes its completion report (no SSE headers)", batch, "s3:PutObject", s3Object(t.bucket, report), "Allowed", {
          cite: CITE.batchReport,
          item: "16.1",
        }),
        r("an SSE-S3 put outside the completion reports", batch, "s3:PutObject", s3Object(t.bucket, stateKey), "Denied", {
          context: SSE_S3,
          deniedBy: "DenyNonKmsEncryptedPuts",
        }),
        r("the restore role writes into the vault", restore, "s3:PutObject", s3Object(vault, nativeKeyOrDay(first)), "Denied", {
          context: sseKms(vaultKey),
          deniedBy: "DenyObjectWritesExceptAdministrators",
        }),
        r("the restore role deletes a backup version", restore, "s3:DeleteObjectVersion", s3Object(vault, nativeKeyOrDay(first)), "Denied", {
          deniedBy: "DenyDeletesAndLockBypass",
        }),
      );
      for (const s of t.tenant.sources) {
        const copy = s3Object(vault, nativeKeyOrDay(s));
        out.push(
          r(`the restore role reads a ${s.name} backup`, restore, "s3:GetObject", copy, "Allowed"),
          r(`the restore role restores a ${s.name} backup`, restore, "s3:RestoreObject", copy, "Allowed"),
          r(`the batch job restores a ${s.name} backup`, batch, "s3:RestoreObject", copy, "Allowed"),
        );
      }
      for (const other of othersWithVaults)
        out.push(
          r(
            `the restore role reads tenant ${other.id}'s vault`,
            restore,
            "s3:GetObject",
            s3Object(other.backup!.vaultBucketName, nativeKeyOrDay(first)),
            "Denied",
          ),
        );
      return out;
    }),
};

/** Who must be able to write where, from each environment's wiring: the audit trail, server access logs, alarms, Snowflake's alerts. */
const platform: Family = {
  name: "audit trail, access logs and alerts",
  requests: ({ lakehouse, world }) =>
    (lakehouse?.environments ?? []).flatMap((env) => {
      const stack = env.platformStackName;
      const r = maker(stack, "audit trail, access logs and alerts");
      const org = lakehouse!.organization;
      const out: AccessRequest[] = [];
      if (env.config.auditTrail !== false) {
        const bucket = bucketName(org, env.name, env.accountId, "audit-trail");
        const trail = only(world.ofType("aws_cloudtrail", stack), `audit trail of ${env.name}`);
        if (trail.attrs.s3_bucket_name !== bucket) throw new Error(`${stack}: the audit trail writes to ${String(trail.attrs.s3_bucket_name)}, not ${bucket}`);
        const key = String(trail.attrs.kms_key_id);
        const trailArn = String(trail.attrs.arn);
        const prefix = `${String(trail.attrs.s3_key_prefix)}/`;
        const src = fromService(env.accountId, trailArn);
        const who = service("cloudtrail.amazonaws.com");
        const logFile = s3Object(
          bucket,
          `${prefix}AWSLogs/${env.accountId}/CloudTrail/${trail.region}/${DAY}/${env.accountId}_CloudTrail_${trail.region}_20261201T1005Z_AbCdEfGhIjKlMnOp.json.gz`,
        );
        out.push(
          r("the audit trail checks its bucket's ACL", who, "s3:GetBucketAcl", s3Bucket(bucket), "Allowed", { context: src, cite: CITE.cloudTrailLogs }),
          r("the audit trail delivers a log file (SSE-KMS with its key)", who, "s3:PutObject", logFile, "Allowed", {
            context: { ...src, ...ownerFullControl, ...sseKms(key) },
            cite: CITE.cloudTrailLogs,
          }),
          r("the audit trail delivers a log file (no SSE headers)", who, "s3:PutObject", logFile, "Allowed", {
            context: { ...src, ...ownerFullControl },
            cite: CITE.cloudTrailLogs,
          }),
          r(
            "the audit trail delivers a digest file (SSE-S3)",
            who,
            "s3:PutObject",
            s3Object(bucket, cloudTrailDigestKey(prefix, env.accountId, trail.region, String(trail.attrs.name))),
            "Allowed",
            {
              context: { ...src, ...ownerFullControl, ...SSE_S3 },
              cite: CITE.cloudTrailDigest,
              item: "16.2",
            },
          ),
          r("the audit trail generates a data key", who, "kms:GenerateDataKey", key, "Allowed", {
            context: { ...src, "kms:EncryptionContext:aws:cloudtrail:arn": trailArn },
            cite: CITE.cloudTrailLogs,
          }),
          r("an SSE-S3 put outside the digests", intruder(env.accountId), "s3:PutObject", logFile, "Denied", {
            context: SSE_S3,
            deniedBy: "DenyNonKmsEncryptedPuts",
          }),
        );
      }
      // Server access logs: every bucket of the environment logs to the access-log bucket of its account and
      // region: the platform's, or for a tenant in an AWS account of its own, the tenant's own there.
      for (const logging of world.resources.filter(
        (x) => x.type === "aws_s3_bucket_logging" && world.accounts.has(x.accountId) && (x.stack === stack || env.tenants.some((t) => t.stackName === x.stack)),
      )) {
        const target = String(logging.attrs.target_bucket);
        const tenant = env.tenants.find((t) => t.stackName === logging.stack);
        const expected = tenant?.ownAccount
          ? bucketName(org, env.name, tenant.id, tenant.accountId, logging.region, "s3-access-logs")
          : accessLogBucketName(org, env.name, env.accountId, logging.region);
        if (target !== expected)
          throw new Error(`${logging.stack}:${logging.address} logs to ${target}, not the ${logging.region} access-log bucket ${expected}`);
        const source = String(logging.attrs.bucket);
        const rr = maker(logging.stack, "audit trail, access logs and alerts");
        const object = s3Object(target, `${String(logging.attrs.target_prefix)}2026-12-01-10-00-00-0123456789ABCDEF`);
        out.push(
          rr(`S3 delivers ${source}'s access logs`, service("logging.s3.amazonaws.com"), "s3:PutObject", object, "Allowed", {
            context: fromService(logging.accountId, s3Bucket(source)),
            cite: CITE.accessLogs,
          }),
          rr(`S3 delivers another account's access logs into ${target}`, service("logging.s3.amazonaws.com"), "s3:PutObject", object, "Denied", {
            context: fromService(FOREIGN_ACCOUNT, s3Bucket("someone-elses-bucket")),
          }),
        );
      }
      // Alarms publish to the alert topic of their region; Snowflake publishes alerts through its role.
      const sns = env.config.alertDelivery?.sns;
      if (sns) {
        const topicName = alertTopicName(org, env.name);
        for (const alarm of world.resources.filter(
          (x) => x.type === "aws_cloudwatch_metric_alarm" && (x.stack === stack || env.tenants.some((t) => t.stackName === x.stack)),
        )) {
          // A tenant in an AWS account of its own: the environment's topic is in another account, so its alarms notify nobody and say why.
          const own = env.tenants.find((t) => t.stackName === alarm.stack)?.ownAccount;
          if (own) {
            const actions = [alarm.attrs.alarm_actions, alarm.attrs.ok_actions, alarm.attrs.insufficient_data_actions].flatMap(
              (a) => (a as string[] | undefined) ?? [],
            );
            if (actions.length > 0 || !String(alarm.attrs.alarm_description).includes(`is in AWS account ${alarm.accountId}`))
              throw new Error(
                `${alarm.stack}:${alarm.address}: an alarm in a tenant's own account notifies ${actions.join(", ") || "nobody"} and its description does not say why`,
              );
            continue;
          }
          const topicArn = AlertTopic.arnFor(alarm.region, env.accountId, topicName);
          const rr = maker(alarm.stack, "audit trail, access logs and alerts");
          const actions = (alarm.attrs.alarm_actions as string[] | undefined) ?? [];
          if (!actions.includes(topicArn))
            throw new Error(`${alarm.stack}:${alarm.address} does not notify ${topicArn} (its actions: ${actions.join(", ") || "none"})`);
          const topic = world.byArn(topicArn);
          if (!topic) throw new Error(`${alarm.stack}:${alarm.address}: no topic ${topicArn} in the example`);
          const topicKey = String(topic.attrs.kms_master_key_id);
          const src = fromService(env.accountId, String(alarm.attrs.arn));
          out.push(
            rr(`alarm ${String(alarm.attrs.alarm_name)} publishes`, service("cloudwatch.amazonaws.com"), "sns:Publish", topicArn, "Allowed", {
              context: src,
              cite: CITE.alarms,
            }),
            rr(
              `alarm ${String(alarm.attrs.alarm_name)} encrypts for the topic`,
              service("cloudwatch.amazonaws.com"),
              "kms:GenerateDataKey",
              topicKey,
              "Allowed",
              { context: src, cite: CITE.alarms },
            ),
            rr(`alarm ${String(alarm.attrs.alarm_name)} decrypts for the topic`, service("cloudwatch.amazonaws.com"), "kms:Decrypt", topicKey, "Allowed", {
              context: src,
              cite: CITE.alarms,
            }),
          );
        }
        for (const region of env.regions) {
          const topicArn = AlertTopic.arnFor(region, env.accountId, topicName);
          const topic = world.byArn(topicArn);
          if (!topic) throw new Error(`${stack}: no alert topic ${topicArn}`);
          const roleArn = `arn:aws:iam::${env.accountId}:role/${iamRoleName(org, env.name, region, "snowflake-alerts")}`;
          const role = world.role(roleArn);
          if (!role) throw new Error(`${stack}: no publisher role ${roleArn}`);
          const trust = role.trust.doc;
          const externalId = String(
            ((Array.isArray(trust.Statement) ? trust.Statement[0] : trust.Statement).Condition?.StringEquals as Record<string, string>)["sts:ExternalId"],
          );
          const sf = outsideUser(snowflakeUser(env, region), "Snowflake's IAM user", [allowing("Snowflake's own policy (assumed)", "sts:AssumeRole")]);
          const publisher = roleSession(world, roleArn, `alert publisher role of ${region}`);
          out.push(
            r(`Snowflake assumes the ${region} alert publisher`, sf, "sts:AssumeRole", roleArn, "Allowed", { context: { "sts:ExternalId": externalId } }),
            r(`Snowflake assumes the ${region} alert publisher without the external id`, sf, "sts:AssumeRole", roleArn, "Denied"),
            r(`Snowflake publishes alerts in ${region}`, publisher, "sns:Publish", topicArn, "Allowed"),
            r(`Snowflake encrypts alerts in ${region}`, publisher, "kms:GenerateDataKey", String(topic.attrs.kms_master_key_id), "Allowed", {
              context: { "kms:ViaService": `sns.${region}.amazonaws.com` },
            }),
            r(`an alarm of another account publishes in ${region}`, service("cloudwatch.amazonaws.com"), "sns:Publish", topicArn, "Denied", {
              context: fromService(FOREIGN_ACCOUNT, `arn:aws:cloudwatch:${region}:${FOREIGN_ACCOUNT}:alarm:x`),
            }),
          );
        }
      }
      return out;
    }),
};

/**
 * What S3 and KMS offer to delete logs, unlock them, loosen or switch off their buckets' protection
 * (policy, lifecycle, versioning, lock, encryption, logging, public access, ownership, notifications,
 * replication, the metrics the alarms read), or delete, disable or untag their keys: the tamper set,
 * written from the S3 and KMS API references, not from the guard's own lists.
 */
export const TAMPER_BUCKET_ACTIONS = [
  "s3:DeleteBucket",
  "s3:PutBucketPolicy",
  "s3:DeleteBucketPolicy",
  "s3:PutLifecycleConfiguration",
  "s3:PutBucketVersioning",
  "s3:PutEncryptionConfiguration",
  "s3:PutBucketObjectLockConfiguration",
  "s3:PutBucketLogging",
  "s3:PutBucketPublicAccessBlock",
  "s3:PutBucketOwnershipControls",
  "s3:PutBucketNotification",
  "s3:PutReplicationConfiguration",
  "s3:PutMetricsConfiguration",
  // PutBucketInventoryConfiguration: a daily list of every key and its size, to a bucket the caller names.
  "s3:PutInventoryConfiguration",
];
export const TAMPER_OBJECT_ACTIONS = [
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
  "s3:PutObjectRetention",
  "s3:PutObjectLegalHold",
  "s3:BypassGovernanceRetention",
];
export const TAMPER_KEY_ACTIONS = [
  "kms:ScheduleKeyDeletion",
  "kms:DisableKey",
  "kms:PutKeyPolicy",
  "kms:DisableKeyRotation",
  "kms:UntagResource",
  "kms:TagResource",
];
/** A key tamper request's context: (un)tagging names the tag the log guard finds the keys by. */
function keyTamperContext(action: string): Record<string, string[]> | undefined {
  return action.endsWith("TagResource") ? { "aws:TagKeys": ["lakehouse:environment"] } : undefined;
}
/** Actions the guard's first version missed (issue 16, item 7). */
const ITEM_7 = new Set(["s3:PutReplicationConfiguration", "kms:UntagResource", "kms:TagResource", "s3:PutMetricsConfiguration"]);

const tamper: Family = {
  name: "adversary: tamper with logs, buckets and keys",
  requests: ({ lakehouse, world }) =>
    (lakehouse?.environments ?? []).flatMap((env) => {
      const guard = env.config.logGuard;
      if (!guard) return [];
      const stacks = new Set([env.platformStackName, ...env.tenants.map((t) => t.stackName)]);
      const buckets = world.ofType("aws_s3_bucket").filter((b) => stacks.has(b.stack));
      const keys = world.ofType("aws_kms_key").filter((k) => stacks.has(k.stack));
      // The adversary is an administrator of the resource's own account; the deploying role there is exempt:
      // the guard's first exempt role, or for a tenant in an AWS account of its own, its deploy role there.
      const deployerOf = (stack: string) => exemptAdmin(env.tenants.find((t) => t.stackName === stack)?.ownAccount?.deployRoleArn ?? guard.exemptRoleArns[0]);
      const out: AccessRequest[] = [];
      for (const b of buckets) {
        const attacker = intruder(b.accountId);
        const r = maker(b.stack, "adversary: tamper with logs, buckets and keys");
        const name = String(b.attrs.bucket);
        const object = s3Object(name, "cloudtrail/AWSLogs/111111111111/CloudTrail/x.json.gz");
        for (const action of TAMPER_BUCKET_ACTIONS)
          out.push(
            r(`tampering with bucket ${name}`, attacker, action, s3Bucket(name), "Denied", {
              deniedBy: "ProtectLogBuckets",
              item: ITEM_7.has(action) ? "16.7" : undefined,
            }),
          );
        for (const action of TAMPER_OBJECT_ACTIONS)
          out.push(r(`tampering with a log object of ${name}`, attacker, action, object, "Denied", { deniedBy: "ProtectLogObjects" }));
        // The deploying role still deploys.
        const deployer = deployerOf(b.stack);
        out.push(r(`the exempt deployer changes the policy of ${name}`, deployer, "s3:PutBucketPolicy", s3Bucket(name), "Allowed"));
        out.push(r(`the exempt deployer sets the replication of ${name}`, deployer, "s3:PutReplicationConfiguration", s3Bucket(name), "Allowed"));
      }
      for (const k of keys) {
        const r = maker(k.stack, "adversary: tamper with logs, buckets and keys");
        const arn = String(k.attrs.arn);
        const attacker = intruder(k.accountId);
        for (const action of TAMPER_KEY_ACTIONS)
          out.push(
            r(`tampering with key ${k.address}`, attacker, action, arn, "Denied", {
              deniedBy: "ProtectLogKeys",
              context: keyTamperContext(action),
              item: ITEM_7.has(action) ? "16.7" : undefined,
            }),
          );
        const deployer = deployerOf(k.stack);
        out.push(
          r(`the exempt deployer tags key ${k.address}`, deployer, "kms:TagResource", arn, "Allowed", { context: { "aws:TagKeys": ["lakehouse:module"] } }),
        );
        out.push(r(`the exempt deployer changes the policy of key ${k.address}`, deployer, "kms:PutKeyPolicy", arn, "Allowed"));
      }
      return out;
    }),
};

/** The bucket policy refuses puts that are not SSE-KMS with the bucket's key, in every example (whatever made the bucket). */
const encryptionGuard: Family = {
  name: "adversary: unencrypted or wrongly encrypted puts",
  requests: ({ world }) =>
    world.ofType("aws_s3_bucket_server_side_encryption_configuration").flatMap((sse) => {
      const rule = (sse.attrs.rule as { apply_server_side_encryption_by_default: { sse_algorithm: string; kms_master_key_id?: string } }[])[0]
        .apply_server_side_encryption_by_default;
      if (rule.sse_algorithm !== "aws:kms" || !rule.kms_master_key_id) return [];
      const name = String(sse.attrs.bucket);
      const policy = world.resourcePolicies.get(s3Bucket(name));
      // A vault denies every put but replication's; its own encryption statement is decided in the restore family.
      if (!policy || policy.id.includes("BackupVault")) return [];
      const r = maker(sse.stack, "adversary: unencrypted or wrongly encrypted puts");
      const writer = intruder(sse.accountId);
      const object = s3Object(name, "okta/2026/12/01/10/x.json.gz");
      const key = rule.kms_master_key_id;
      return [
        r(`an SSE-S3 put into ${name}`, writer, "s3:PutObject", object, "Denied", { context: SSE_S3, deniedBy: "DenyNonKmsEncryptedPuts" }),
        r(`a DSSE-KMS put into ${name}`, writer, "s3:PutObject", object, "Denied", {
          context: { "s3:x-amz-server-side-encryption": "aws:kms:dsse", "s3:x-amz-server-side-encryption-aws-kms-key-id": key },
          deniedBy: "DenyNonKmsEncryptedPuts",
        }),
        r(`a put into ${name} with another key`, writer, "s3:PutObject", object, "Denied", {
          context: sseKms(`arn:aws:kms:${sse.region}:${sse.accountId}:key/00000000-0000-0000-0000-000000000000`),
          deniedBy: "DenyWrongKmsKeyPuts",
        }),
        r(`a put into ${name} with the key's alias instead of its ARN`, writer, "s3:PutObject", object, "Denied", {
          context: sseKms("alias/some-alias"),
          deniedBy: "DenyWrongKmsKeyPuts",
        }),
        r(`an SSE-KMS put into ${name} without a key id (aws/s3)`, writer, "s3:PutObject", object, "Denied", {
          context: { "s3:x-amz-server-side-encryption": "aws:kms" },
          cite: CITE.kmsWithoutKeyId,
        }),
        r(`a put into ${name} with the bucket key`, writer, "s3:PutObject", object, "Allowed", { context: sseKms(key) }),
        r(`a put into ${name} without SSE headers (default encryption)`, writer, "s3:PutObject", object, "Allowed", { item: "16.1" }),
        r(`a plain-HTTP read of ${name}`, writer, "s3:GetObject", object, "Denied", {
          context: { "aws:SecureTransport": "false" },
          deniedBy: "DenyInsecureTransport",
        }),
        r(`a TLS 1.1 read of ${name}`, writer, "s3:GetObject", object, "Denied", { context: { "s3:TlsVersion": "1.1" }, deniedBy: "DenyTlsOlderThan12" }),
      ];
    }),
};

/**
 * An example made from modules directly (no config): its Snowflake storage integrations say which
 * locations Snowflake reads through which role; the role may read exactly those.
 */
const integrationsWithoutConfig: Family = {
  name: "Snowflake access roles (from the integrations of an example without config)",
  requests: ({ lakehouse, world }) => {
    if (lakehouse) return [];
    return world.stacks.flatMap((stack) => {
      const integrations = readIntegrations(world, stack);
      const r = maker(stack, "Snowflake access roles (from the integrations of an example without config)");
      return integrations.flatMap((i) => {
        const who = roleSession(world, i.roleArn, `Snowflake role ${i.roleArn.split("/").pop()}`);
        const sf = outsideUser(i.user, "Snowflake's IAM user", [allowing("Snowflake's own policy (assumed)", "sts:AssumeRole")]);
        return i.locations.flatMap(({ bucket, prefix }) => {
          const sse = world.ofType("aws_s3_bucket_server_side_encryption_configuration", stack).find((x) => x.attrs.bucket === bucket);
          const key = (sse?.attrs.rule as { apply_server_side_encryption_by_default: { kms_master_key_id?: string } }[] | undefined)?.[0]
            .apply_server_side_encryption_by_default.kms_master_key_id;
          const region = world.ofType("aws_s3_bucket", stack).find((b) => b.attrs.bucket === bucket)?.region ?? "us-east-1";
          return [
            r("Snowflake assumes the role with the integration's external id", sf, "sts:AssumeRole", i.roleArn, "Allowed", {
              context: { "sts:ExternalId": i.externalId },
            }),
            r("Snowflake assumes the role with another external id", sf, "sts:AssumeRole", i.roleArn, "Denied", {
              context: { "sts:ExternalId": `${i.externalId}-other` },
            }),
            r(`Snowpipe reads s3://${bucket}/${prefix}`, who, "s3:GetObject", s3Object(bucket, `${prefix}2026/12/01/x.json.gz`), "Allowed"),
            r(`Snowpipe lists s3://${bucket}/${prefix}`, who, "s3:ListBucket", s3Bucket(bucket), "Allowed", { context: { "s3:prefix": prefix } }),
            r(`Snowpipe locates ${bucket}`, who, "s3:GetBucketLocation", s3Bucket(bucket), "Allowed"),
            ...(key ? [r(`Snowpipe decrypts s3://${bucket}/${prefix}`, who, "kms:Decrypt", key, "Allowed", { context: kmsViaS3(region, bucket) })] : []),
            r(`the role reads outside s3://${bucket}/${prefix}`, who, "s3:GetObject", s3Object(bucket, "other/2026/12/01/x.json.gz"), "Denied"),
            r("the role lists the whole bucket", who, "s3:ListBucket", s3Bucket(bucket), "Denied", { context: { "s3:prefix": "" } }),
            r(`the role writes s3://${bucket}/${prefix}`, who, "s3:PutObject", s3Object(bucket, `${prefix}x.json.gz`), "Denied", {
              context: key ? sseKms(key) : NO_SSE,
            }),
          ];
        });
      });
    });
  },
};

function readIntegrations(
  world: World,
  stack: string,
): { roleArn: string; user: string; externalId: string; locations: { bucket: string; prefix: string }[] }[] {
  const dir = world.ofType("aws_iam_role", stack);
  return world.integrations(stack).map((i) => {
    const role = dir.find((x) => x.attrs.arn === i.roleArn);
    if (!role) throw new Error(`${stack}: the integration's role ${i.roleArn} is not made by the stack`);
    return {
      roleArn: i.roleArn,
      user: i.user,
      externalId: i.externalId,
      locations: i.allowedLocations.map((l) => {
        const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(l);
        if (!m) throw new Error(`${stack}: allowed location ${l} is not s3://bucket/prefix`);
        return { bucket: m[1], prefix: m[2] };
      }),
    };
  });
}

export const FAMILIES: readonly Family[] = [
  nativeDelivery,
  scheduledFunctions,
  streams,
  snowflakeRoles,
  existingBuckets,
  tenantRoles,
  backupAndRestore,
  platform,
  tamper,
  encryptionGuard,
  integrationsWithoutConfig,
];
