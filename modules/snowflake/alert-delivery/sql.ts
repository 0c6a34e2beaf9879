/** Alert delivery: the channels (SNS, e-mail) and the block that sends undelivered alerts in bounded batches. */
import { ALERT_MESSAGE_CHARS } from "../alert-store/sql";
import { literal } from "../sql";

/** SNS's limit on one message (Amazon SNS quotas: 256 KB, counted in bytes). */
export const SNS_MESSAGE_LIMIT_BYTES = 262144;

/** A delivery channel: how one alert becomes part of a message, and how many fit in one. */
interface DeliveryChannel {
  /** The ALERTS column stamped when this channel delivered the row. */
  readonly column: "SNS_DELIVERED_AT" | "EMAIL_DELIVERED_AT";
  /** One alert as text (an SQL expression over the row), every field cut to a bound. */
  readonly item: string;
  /** Between items (an SQL string literal's content) and its length in bytes; around the items. */
  readonly separator: string;
  readonly separatorBytes: number;
  readonly prefix: string;
  readonly suffix: string;
  /** Most alerts and bytes (items and separators) in one message. */
  readonly maxRows: number;
  readonly maxBytes: number;
  /** The CALL that sends `:body`. */
  readonly send: string;
}

/** Every field of an alert cut to a bound, so one alert is at most about 3 KB, 18 KB if every character needs a JSON escape. */
const BOUNDED_FIELDS = {
  alert_id: "ALERT_ID",
  alert_time: "ALERT_TIME",
  kind: "LEFT(KIND, 64)",
  severity: "LEFT(SEVERITY, 16)",
  tenant: "LEFT(TENANT, 64)",
  subject: "LEFT(SUBJECT, 512)",
  message: `LEFT(MESSAGE, ${ALERT_MESSAGE_CHARS})`,
} as const;

/**
 * The SNS channel: a JSON array of alerts per message, at most 100 alerts and 200,000 bytes — under
 * SNS's 256 KB with room for what Snowflake's notification wraps around it (unverified: the size of
 * that envelope is not documented).
 */
export function snsChannel(integration: string): DeliveryChannel {
  return {
    column: "SNS_DELIVERED_AT",
    item: `TO_JSON(OBJECT_CONSTRUCT(${Object.entries(BOUNDED_FIELDS)
      .map(([k, v]) => `'${k}', ${v}`)
      .join(", ")}))`,
    separator: ",",
    separatorBytes: 1,
    prefix: "[",
    suffix: "]",
    maxRows: 100,
    maxBytes: 200000,
    send: `CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(SNOWFLAKE.NOTIFICATION.APPLICATION_JSON(:body), SNOWFLAKE.NOTIFICATION.INTEGRATION(${literal(integration)}))`,
  };
}

/**
 * The e-mail channel: a plain-text list, one alert a line, at most 200 alerts and 100,000 bytes per
 * mail (our bound, for a mail a person reads; Snowflake documents none we could find).
 */
export function emailChannel(integration: string, recipients: readonly string[]): DeliveryChannel {
  return {
    column: "EMAIL_DELIVERED_AT",
    item: `${BOUNDED_FIELDS.severity} || ' ' || ${BOUNDED_FIELDS.kind} || ' ' || ${BOUNDED_FIELDS.tenant} || ' ' || ${BOUNDED_FIELDS.subject} || ': ' || ${BOUNDED_FIELDS.message}`,
    separator: "\\n",
    separatorBytes: 1,
    prefix: "",
    suffix: "",
    maxRows: 200,
    maxBytes: 100000,
    send: `CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(SNOWFLAKE.NOTIFICATION.TEXT_PLAIN(:body), SNOWFLAKE.NOTIFICATION.EMAIL_INTEGRATION_CONFIG(${literal(integration)}, 'Lakehouse alerts', ARRAY_CONSTRUCT(${recipients.map(literal).join(", ")})))`,
  };
}

/** Messages each channel sends at most per run; what is left waits for the next run. */
export const DELIVERY_BATCHES_PER_RUN = 20;

/**
 * The delivery task's Snowflake Scripting block. Each channel delivers on its own: it claims a batch of
 * the alerts it has not delivered yet (oldest first, at most its rows and bytes — the byte count of the
 * very text it sends), sends that batch as one message, and stamps its own column on exactly those rows;
 * up to DELIVERY_BATCHES_PER_RUN messages a run. A failed send stops the run before its stamp, so that
 * batch is sent again next run (at least once), and a failing e-mail never re-sends what SNS already
 * delivered. DELIVERED_AT is stamped once every configured channel has delivered a row: rows delivered
 * before per-channel delivery existed carry it and are never sent again. Alerts written without an
 * ALERT_ID get one first. No trailing `;` (the provider would see a difference on every plan).
 */
export function deliveryBlock(p: {
  readonly alerts: string;
  readonly snsIntegration?: string;
  readonly email?: { readonly integration: string; readonly recipients: readonly string[] };
}): string {
  const channels = [...(p.snsIntegration ? [snsChannel(p.snsIntegration)] : []), ...(p.email ? [emailChannel(p.email.integration, p.email.recipients)] : [])];
  if (channels.length === 0) throw new Error("deliveryBlock: no channel");
  const order = "ORDER BY ALERT_TIME, ALERT_ID";
  const loop = (c: DeliveryChannel) => [
    `  FOR i IN 1 TO ${DELIVERY_BATCHES_PER_RUN} DO`,
    `    batch := UUID_STRING();`,
    `    UPDATE ${p.alerts} SET DELIVERY_BATCH = :batch WHERE ALERT_ID IN (`,
    `      SELECT b.ALERT_ID FROM (`,
    `        SELECT ALERT_ID, ROW_NUMBER() OVER (${order}) AS N,`,
    `          SUM(OCTET_LENGTH(${c.item}) + ${c.separatorBytes}) OVER (${order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BYTES`,
    `        FROM ${p.alerts} WHERE ${c.column} IS NULL AND DELIVERED_AT IS NULL AND ALERT_ID IS NOT NULL`,
    `      ) b WHERE b.N <= ${c.maxRows} AND b.BYTES <= ${c.maxBytes - c.prefix.length - c.suffix.length}`,
    `    );`,
    `    SELECT COUNT(*), ${c.prefix ? `'${c.prefix}' || ` : ""}LISTAGG(${c.item}, '${c.separator}') WITHIN GROUP (${order})${c.suffix ? ` || '${c.suffix}'` : ""} INTO :sent, :body FROM ${p.alerts} WHERE DELIVERY_BATCH = :batch;`,
    `    IF (sent = 0) THEN`,
    `      BREAK;`,
    `    END IF;`,
    `    ${c.send};`,
    `    UPDATE ${p.alerts} SET ${c.column} = CURRENT_TIMESTAMP() WHERE DELIVERY_BATCH = :batch;`,
    `  END FOR;`,
  ];
  return [
    "DECLARE",
    "  batch VARCHAR DEFAULT '';",
    "  sent INTEGER DEFAULT 0;",
    "  body VARCHAR DEFAULT '';",
    "BEGIN",
    `  UPDATE ${p.alerts} SET ALERT_ID = UUID_STRING() WHERE ALERT_ID IS NULL AND DELIVERED_AT IS NULL;`,
    ...channels.flatMap(loop),
    `  UPDATE ${p.alerts} SET DELIVERED_AT = CURRENT_TIMESTAMP() WHERE DELIVERED_AT IS NULL AND ${channels.map((c) => `${c.column} IS NOT NULL`).join(" AND ")};`,
    "END",
  ].join("\n");
}
