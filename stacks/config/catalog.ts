import { type EventTimeFormat, eventTimeExpression } from "../../modules/snowflake/snowpipe/sql";
import type { SourceConfig } from "./source-schema";
import { SOURCE_TYPES, type SourceType } from "./source-types";

export interface CatalogEntry {
  readonly delivery: NonNullable<SourceConfig["delivery"]>;
  readonly fileSuffix?: string;
  readonly fileFormat?: "json" | "parquet";
  readonly eventTimeField: string;
  readonly eventTimeFormat?: EventTimeFormat;
  readonly wrappedRecords?: string;
  /** View name suffix → select list; the view is `<TABLE>_<SUFFIX>`, so two sources of a type never collide. */
  readonly views: Readonly<Record<string, string>>;
}

/** A select list from lines (the config's YAML folds its views the same way). */
const list = (...columns: string[]) => columns.join(", ");
/** An indicator array of the non-NULL values: NULLs in an indicator array only get in the way of ARRAY_CONTAINS. */
const indicators = (name: string, ...values: string[]) => `ARRAY_CONSTRUCT_COMPACT(${values.join(", ")}) AS ${name}`;
/** The value only if it looks like an IP address (AWS writes a service name where a service called). */
const ipOnly = (value: string) => `CASE WHEN REGEXP_LIKE(${value}, '[0-9A-Fa-f.:]+') THEN ${value} END`;
/** The value only if it looks like an e-mail address. */
const emailOnly = (value: string) => `CASE WHEN ${value} LIKE '%_@_%' THEN ${value} END`;

/**
 * Known log sources: what their vendor documents about the files they deliver, so a source can be
 * configured by `type:` alone. Every field stated in the source's own config overrides the entry
 * (views by name; delivery field by field). The vendor facts each entry relies on are cited in the
 * README's catalog table; the sample events in scripts/test_sql_logic.py are written from the same
 * documentation and run through the emitted COPY and views.
 */
export const SOURCE_CATALOG: Readonly<Record<SourceType, CatalogEntry>> = {
  cloudtrail: {
    delivery: { kind: "native", servicePrincipal: "cloudtrail.amazonaws.com" },
    fileSuffix: ".json.gz",
    wrappedRecords: "Records",
    eventTimeField: "eventTime",
    views: {
      EVENTS: list(
        "event_time, parse_time, source_file, source_file_row AS record_index",
        "data:eventID::string AS event_id, data:eventType::string AS event_type, data:eventSource::string AS event_source, data:eventName::string AS event_name",
        "data:awsRegion::string AS aws_region, data:recipientAccountId::string AS recipient_account_id, data:readOnly::boolean AS read_only",
        "data:userIdentity.type::string AS identity_type, data:userIdentity.arn::string AS identity_arn, data:userIdentity.accountId::string AS identity_account_id",
        "data:userIdentity.accessKeyId::string AS access_key_id, data:sourceIPAddress::string AS source_ip_address, data:userAgent::string AS user_agent",
        "data:errorCode::string AS error_code, data:errorMessage::string AS error_message",
        "data:requestParameters AS request_parameters, data:responseElements AS response_elements, data:resources AS resources",
        indicators("ip_indicators", ipOnly("data:sourceIPAddress::string")),
        indicators("user_indicators", "data:userIdentity.userName::string", "data:userIdentity.sessionContext.sessionIssuer.userName::string"),
      ),
    },
  },
  okta: {
    delivery: { kind: "puller", puller: "okta", scheduleMinutes: 5 },
    eventTimeField: "published",
    views: {
      EVENTS: list(
        "event_time, parse_time",
        "data:uuid::string AS event_id, data:eventType::string AS event_type, data:displayMessage::string AS display_message, data:severity::string AS severity",
        "data:actor.id::string AS actor_id, data:actor.type::string AS actor_type, data:actor.alternateId::string AS actor, data:actor.displayName::string AS actor_display_name",
        "data:client.ipAddress::string AS client_ip, data:client.userAgent.rawUserAgent::string AS user_agent, data:client.geographicalContext.country::string AS client_country",
        "data:outcome.result::string AS outcome, data:outcome.reason::string AS outcome_reason",
        "data:authenticationContext.externalSessionId::string AS session_id, data:target AS targets",
        indicators("ip_indicators", "data:client.ipAddress::string"),
        indicators("email_indicators", emailOnly("data:actor.alternateId::string")),
        indicators("user_indicators", "data:actor.alternateId::string"),
      ),
    },
  },
  "google-workspace": {
    delivery: { kind: "puller", puller: "google-workspace", scheduleMinutes: 5, options: { applications: ["admin", "login", "token", "drive"] } },
    eventTimeField: "id.time",
    views: {
      EVENTS: list(
        "event_time, parse_time",
        "data:id.uniqueQualifier::string AS event_id, data:id.applicationName::string AS application_name, data:id.customerId::string AS customer_id",
        "data:actor.email::string AS actor_email, data:actor.profileId::string AS actor_profile_id, data:actor.callerType::string AS actor_caller_type",
        "data:ipAddress::string AS ip_address, data:events[0].type::string AS event_type, data:events[0].name::string AS event_name, data:events AS events",
        indicators("ip_indicators", "data:ipAddress::string"),
        indicators("email_indicators", "data:actor.email::string"),
      ),
    },
  },
  "github-audit": {
    // GitHub writes with the access keys or the OIDC role the enterprise owner sets up: writerRoleArns come from the config.
    delivery: { kind: "native" },
    fileSuffix: ".json.gz",
    eventTimeField: `"@timestamp"`,
    eventTimeFormat: "EPOCH_MS",
    views: {
      EVENTS: list(
        "event_time, parse_time",
        "data:_document_id::string AS document_id, data:action::string AS action, data:operation_type::string AS operation_type",
        "data:actor::string AS actor, data:actor_id::number AS actor_id, data:actor_ip::string AS actor_ip, data:actor_location.country_code::string AS actor_country",
        "data:user::string AS user_name, data:org::string AS org, data:repo::string AS repo, data:business::string AS business, data:user_agent::string AS user_agent",
        indicators("ip_indicators", "data:actor_ip::string"),
        indicators("user_indicators", "data:actor::string", "data:user::string"),
      ),
    },
  },
  guardduty: {
    delivery: { kind: "native", servicePrincipal: "guardduty.amazonaws.com" },
    fileSuffix: ".jsonl.gz",
    // A finding is exported again when it recurs; updatedAt is when this version of it was written.
    eventTimeField: "updatedAt",
    views: {
      FINDINGS: list(
        "event_time, parse_time",
        "data:id::string AS finding_id, data:type::string AS finding_type, data:title::string AS title, data:severity::float AS severity",
        "data:accountId::string AS account_id, data:region::string AS region, data:resource.resourceType::string AS resource_type",
        "data:service.action.actionType::string AS action_type, data:service.count::number AS occurrences, data:service.archived::boolean AS archived",
        "TRY_TO_TIMESTAMP_TZ(data:createdAt::string) AS created_at, data:resource AS resource, data:service AS service",
        indicators(
          "ip_indicators",
          "data:service.action.networkConnectionAction.remoteIpDetails.ipAddressV4::string",
          "data:service.action.awsApiCallAction.remoteIpDetails.ipAddressV4::string",
          "data:resource.instanceDetails.networkInterfaces[0].publicIp::string",
        ),
        indicators("user_indicators", "data:resource.accessKeyDetails.userName::string"),
      ),
    },
  },
  "route53-resolver": {
    delivery: { kind: "native", servicePrincipal: "delivery.logs.amazonaws.com" },
    fileSuffix: ".log.gz",
    eventTimeField: "query_timestamp",
    views: {
      QUERIES: list(
        "event_time, parse_time",
        "data:account_id::string AS account_id, data:region::string AS region, data:vpc_id::string AS vpc_id, data:srcids.instance::string AS src_instance",
        "data:query_name::string AS query_name, data:query_type::string AS query_type, data:query_class::string AS query_class, data:rcode::string AS rcode",
        "data:srcaddr::string AS src_addr, data:srcport::string AS src_port, data:transport::string AS transport, data:answers AS answers",
        indicators("ip_indicators", "data:srcaddr::string"),
        indicators("domain_indicators", "RTRIM(data:query_name::string, '.')"),
      ),
    },
  },
  "vpc-flow": {
    delivery: { kind: "native", servicePrincipal: "delivery.logs.amazonaws.com" },
    fileFormat: "parquet",
    fileSuffix: ".log.parquet",
    // start: when the first packet of the aggregation interval was received, in Unix seconds.
    eventTimeField: `"start"`,
    eventTimeFormat: "EPOCH_S",
    views: {
      FLOWS: list(
        "event_time, parse_time",
        "data:version::number AS version, data:account_id::string AS account_id, data:interface_id::string AS interface_id",
        "data:srcaddr::string AS src_addr, data:dstaddr::string AS dst_addr, data:srcport::number AS src_port, data:dstport::number AS dst_port",
        "data:protocol::number AS protocol, data:packets::number AS packets, data:bytes::number AS bytes",
        // Read as the load reads "start": a TO_TIMESTAMP_TZ of an out-of-range number would fail every query of the view.
        `${eventTimeExpression('"end"', "EPOCH_S", "data", "parse_time")} AS end_time, data:action::string AS action, data:log_status::string AS log_status`,
        indicators("ip_indicators", "data:srcaddr::string", "data:dstaddr::string"),
      ),
    },
  },
};

export function isSourceType(t: unknown): t is SourceType {
  return typeof t === "string" && (SOURCE_TYPES as readonly string[]).includes(t);
}

/**
 * The source with its catalog entry filled in under what the config states: scalars from the config
 * win, views merge by name (a config view of the same name replaces the catalog's), delivery merges
 * field by field (options too). Reads its input defensively: it also runs on configs with shape errors.
 */
export function applyCatalog<S extends Partial<SourceConfig>>(source: S): S & Partial<SourceConfig> {
  if (!isSourceType(source.type)) return source;
  const entry = SOURCE_CATALOG[source.type];
  const table = String(source.name ?? "").toUpperCase();
  const catalogViews = Object.fromEntries(Object.entries(entry.views).map(([suffix, select]) => [`${table}_${suffix}`, select]));
  const own = (source.delivery ?? {}) as Partial<NonNullable<SourceConfig["delivery"]>>;
  // Another kind of delivery than the catalog's replaces it whole (a puller's fields mean nothing to a stream).
  const base = own.kind === undefined || own.kind === entry.delivery.kind ? entry.delivery : {};
  const options = base.options || own.options ? { ...base.options, ...own.options } : undefined;
  return {
    ...source,
    fileSuffix: source.fileSuffix ?? entry.fileSuffix,
    fileFormat: source.fileFormat ?? entry.fileFormat,
    eventTimeField: source.eventTimeField ?? entry.eventTimeField,
    eventTimeFormat: source.eventTimeFormat ?? entry.eventTimeFormat,
    wrappedRecords: source.wrappedRecords ?? entry.wrappedRecords,
    views: { ...catalogViews, ...source.views },
    delivery: { ...base, ...own, ...(options ? { options } : {}) },
  };
}
