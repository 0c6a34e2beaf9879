/**
 * The S3 and KMS actions that change what protects the logs, their buckets and their keys: one list
 * of each, which the organization's guard (`aws/log-guard-scp`) denies on every log bucket and key,
 * and from which the backup vault (`aws/backup-vault`) and a key with administrators (`aws/kms-key`)
 * draw what they deny to all but their administrators. An action added here is guarded by the SCP at
 * once; the vault's lists are typed against these, so they cannot name an action the guard does not know.
 */

/**
 * Changes to a log bucket itself: deleting it, its policy, lifecycle, versioning, object lock,
 * encryption, logging, public access block, ownership, notifications, replication (switching backups
 * off, or copying the logs out), metrics configuration (what the alarms read) and inventory
 * configuration (a daily list of every key, sent to a bucket of the caller's choosing). Deleting a
 * configuration takes the same permission as putting it (S3 API Reference, e.g. DeleteBucketReplication).
 */
export const S3_BUCKET_PROTECTION_ACTIONS = [
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
  "s3:PutInventoryConfiguration",
] as const;
export type S3BucketProtectionAction = (typeof S3_BUCKET_PROTECTION_ACTIONS)[number];

/**
 * Changes to a key that would lose or expose what it encrypts: deleting, disabling, re-policying it,
 * switching its rotation off, and untagging or re-tagging it (the log guard finds keys by their tag:
 * untagged, a key is no longer guarded).
 */
export const KMS_KEY_PROTECTION_ACTIONS = [
  "kms:ScheduleKeyDeletion",
  "kms:DisableKey",
  "kms:PutKeyPolicy",
  "kms:DisableKeyRotation",
  "kms:UntagResource",
  "kms:TagResource",
] as const;

/** What deletes a log object (a version of it) or shortens its lock. */
export const S3_OBJECT_PROTECTION_ACTIONS = [
  "s3:DeleteObject",
  "s3:DeleteObjectVersion",
  "s3:PutObjectRetention",
  "s3:PutObjectLegalHold",
  "s3:BypassGovernanceRetention",
] as const;
export type S3ObjectProtectionAction = (typeof S3_OBJECT_PROTECTION_ACTIONS)[number];

/** Writes of objects besides deletes and locks: putting, replicating, tagging. */
export const S3_OBJECT_WRITE_ACTIONS = [
  "s3:PutObject",
  "s3:ReplicateObject",
  "s3:ReplicateTags",
  "s3:ReplicateDelete",
  "s3:PutObjectTagging",
  "s3:DeleteObjectTagging",
] as const;
export type S3ObjectWriteAction = (typeof S3_OBJECT_WRITE_ACTIONS)[number];

/**
 * `actions` of `from`, in the order given: a policy that has always listed them in its own order keeps
 * it (a reordered list is a diff in every plan), and cannot name an action that `from` does not have.
 */
export function actionsOf<A extends string>(_from: readonly A[], actions: readonly NoInfer<A>[]): A[] {
  return [...actions];
}
