import { ResolvedSource, ResolvedTenant } from "../config/resolve";

/** A tenant's sources by what the stack builds for them. */
export interface TenantSources {
  /** Sources a puller function fetches (`delivery.puller`). */
  readonly pulled: readonly ResolvedSource[];
  /** Sources a Firehose delivery stream writes (`delivery.firehose`). */
  readonly streamed: readonly ResolvedSource[];
  /** Sources a Kafka consumer moves (`delivery.kafka`). */
  readonly consumed: readonly ResolvedSource[];
  /**
   * The sources whose files land in the tenant's bucket; a source on an existing bucket has nothing
   * here (no prefix, writer, notification, retention or replication: its owner's bucket keeps it).
   */
  readonly inBucket: readonly ResolvedSource[];
}

export function sourcesByDelivery(tenant: ResolvedTenant): TenantSources {
  return {
    pulled: tenant.sources.filter((s) => s.config.delivery.kind === "puller" && s.config.delivery.puller),
    streamed: tenant.sources.filter((s) => s.config.delivery.kind === "firehose" && s.config.delivery.firehose),
    consumed: tenant.sources.filter((s) => s.config.delivery.kind === "kafka" && s.config.delivery.kafka),
    inBucket: tenant.sources.filter((s) => !s.existingBucket),
  };
}

/** A source an organization trail of another account writes: that trail, by its ARN, not the service for the tenant's account. */
export function organizationTrailOf(source: ResolvedSource) {
  return source.config.delivery.organizationTrail;
}
