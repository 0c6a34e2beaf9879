import { Execute } from "@cdktf/provider-snowflake/lib/execute";
import { Table } from "@cdktf/provider-snowflake/lib/table";
import { View } from "@cdktf/provider-snowflake/lib/view";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { z } from "zod";
import { qualified } from "../../core/naming";
import { SchemaObject } from "../schema-object";
import { stampModule } from "../../core/stamp";
import { dependables, parseProps, pathOf, snowflakeIdentifier } from "../../core/validate";
import { clusteringKeyProblem, parseViewDefinition, searchOptimizationStatements, viewSourceProblem, viewStatement } from "./sql";
import { JSON_PATH, JSON_PATH_HINT } from "../sql";

export const SEMI_STRUCTURED_TABLE_MODULE = "snowflake/semi-structured-table" as const;

export interface SemiStructuredTableProps {
  /** Database of the table (upper-case identifier). */
  readonly database: string;
  /** Schema of the table (upper-case identifier). */
  readonly schema: string;
  /** Table name (upper-case identifier), e.g. `GSUITE_AUDIT`. */
  readonly tableName: string;
  /** Human description; the module stamp is appended. @default the stamp only */
  readonly comment?: string;
  /**
   * Clustering keys (SQL expressions over the table's columns).
   * @default ["TO_DATE(EVENT_TIME)"] — by event day: low enough cardinality to cluster cheaply
   */
  readonly clusterBy?: readonly string[];
  /**
   * Time Travel days (1-90 needs Enterprise edition beyond 1; -1 inherits from the schema).
   * @default 7
   */
  readonly dataRetentionDays?: number;
  /**
   * Views as a map of view name → select list over the table, e.g.
   * `{ OKTA_EVENTS: "event_time, data:actor.alternateId::string AS actor, ARRAY_CONSTRUCT(data:client.ipAddress) AS ip_indicators" }`,
   * or a whole `SELECT … FROM <this table>` (the table as `TABLE`, `SCHEMA.TABLE` or
   * `DATABASE.SCHEMA.TABLE`; any other FROM, a join or a clause after it is an error). Both give
   * the same view. @default no views
   */
  readonly views?: Readonly<Record<string, string>>;
  /** Create the views as SECURE views (definition hidden from readers). @default false */
  readonly secureViews?: boolean;
  /**
   * VARIANT paths (under DATA) to add search optimization on, as EQUALITY, e.g. `actor.email`.
   * Needs Enterprise edition; billed per table. @default none
   */
  readonly searchOptimizationPaths?: readonly string[];
  /** Objects the table must wait for, e.g. the schema resource when it is in the same stack. @default none */
  readonly waitFor?: readonly ITerraformDependable[];
}

const identifier = snowflakeIdentifier();

const propsSchema = z
  .object({
    database: identifier,
    schema: identifier,
    tableName: identifier,
    comment: z.string().max(200).optional(),
    clusterBy: z
      .array(
        z
          .string()
          .min(1)
          .superRefine((k, ctx) => {
            const problem = clusteringKeyProblem(k);
            if (problem) ctx.addIssue({ code: "custom", message: problem });
          }),
      )
      .min(1)
      .default(["TO_DATE(EVENT_TIME)"]),
    dataRetentionDays: z.number().int().min(-1).max(90).default(7),
    views: z
      .record(
        identifier,
        z.string().superRefine((view, ctx) => {
          const parsed = parseViewDefinition(view);
          if ("problem" in parsed) ctx.addIssue({ code: "custom", message: parsed.problem });
        }),
      )
      .default({}),
    secureViews: z.boolean().default(false),
    searchOptimizationPaths: z.array(z.string().regex(JSON_PATH, `must be ${JSON_PATH_HINT}`)).default([]),
    waitFor: dependables(),
  })
  .superRefine((p, ctx) => {
    // A whole statement must select from this table; the other fields are known to be valid here.
    for (const [name, view] of Object.entries(p.views)) {
      const parsed = parseViewDefinition(view);
      const problem = "problem" in parsed ? undefined : viewSourceProblem(parsed.from, { databases: [p.database], schema: p.schema, table: p.tableName });
      if (problem) ctx.addIssue({ code: "custom", path: ["views", name], message: problem });
    }
  });

/** The select list of a view that passed validation (a bare list, or the list of a whole statement). */
function selectListOf(view: string): string {
  const parsed = parseViewDefinition(view);
  if ("problem" in parsed) throw new Error(`unvalidated view: ${parsed.problem}`);
  return parsed.selectList;
}

/**
 * A log table for semi-structured records: DATA VARIANT (the record), PARSE_TIME (load time),
 * EVENT_TIME (from the record, within a sane range), SOURCE_FILE and SOURCE_FILE_ROW (where the row
 * came from), RAW_TEXT and PARSE_ERROR (a line kept as text when it did not parse); clustered, with
 * views as dynamic schemas and optional search optimization on VARIANT paths. The table cannot be
 * destroyed by a plan (`prevent_destroy`); a view replaced by a statement change keeps its grants
 * (`copy_grants`).
 */
export class SemiStructuredTable extends Construct {
  public readonly database: string;
  public readonly schema: string;
  public readonly tableName: string;
  /** `DATABASE.SCHEMA.TABLE`. */
  public readonly qualifiedName: string;
  /** `DATABASE.SCHEMA.VIEW` of every view, in name order. */
  public readonly viewNames: readonly string[];
  /** The table resource, for `depends_on` of objects that load into it. */
  public readonly table: Table;
  /** The table and its views, to hand over to a pipeline role. */
  public readonly ownedObjects: readonly SchemaObject[];

  constructor(scope: Construct, id: string, props: SemiStructuredTableProps) {
    const p = parseProps(pathOf(scope, id), propsSchema, props);
    super(scope, id);
    stampModule(this, SEMI_STRUCTURED_TABLE_MODULE);

    this.database = p.database;
    this.schema = p.schema;
    this.tableName = p.tableName;
    this.qualifiedName = qualified(p.database, p.schema, p.tableName);

    // Types are written as Snowflake reports them back, so plans show no perpetual diff.
    this.table = new Table(this, "Resource", {
      database: p.database,
      schema: p.schema,
      name: p.tableName,
      comment: p.comment,
      clusterBy: [...p.clusterBy],
      dataRetentionTimeInDays: p.dataRetentionDays,
      changeTracking: false,
      dependsOn: p.waitFor.length > 0 ? [...p.waitFor] : undefined,
      // The logs themselves: a plan that would replace the table fails. (A removed source takes this block
      // with it, and Terraform protects only what is still configured: `lakehouse review` flags that, data.store-removed.)
      lifecycle: { preventDestroy: true },
      column: [
        { name: "DATA", type: "VARIANT", nullable: true, comment: "The log record as loaded" },
        { name: "PARSE_TIME", type: "TIMESTAMP_LTZ(9)", nullable: false, default: { expression: "CURRENT_TIMESTAMP()" }, comment: "When the row was loaded" },
        {
          name: "EVENT_TIME",
          type: "TIMESTAMP_TZ(9)",
          nullable: true,
          comment: "When the event says it happened; NULL if missing, not a time, before 2000 or over a day after its load",
        },
        { name: "SOURCE_FILE", type: "VARCHAR(16777216)", nullable: true, comment: "Staged file the row came from" },
        { name: "SOURCE_FILE_ROW", type: "NUMBER(38,0)", nullable: true, comment: "Line number within the file (a wrapped event: its index in the array)" },
        // Last, and without a default: the provider adds them to a table of 0.4.0 in place (ALTER TABLE … ADD COLUMN).
        {
          name: "RAW_TEXT",
          type: "VARCHAR(16777216)",
          nullable: true,
          comment: "The line as staged when it was not parsed (not JSON, or too large: its first 16777216 characters); NULL for a parsed record",
        },
        { name: "PARSE_ERROR", type: "VARCHAR(16777216)", nullable: true, comment: "Why DATA does not hold this line as a parsed record; NULL when it does" },
      ],
    });

    const viewNames = Object.keys(p.views).sort();
    this.viewNames = viewNames.map((v) => qualified(p.database, p.schema, v));
    const owned: SchemaObject[] = [{ type: "TABLE", name: this.qualifiedName, resource: this.table }];
    for (const viewName of viewNames) {
      const view = new View(this, `View${viewName}`, {
        database: p.database,
        schema: p.schema,
        name: viewName,
        isSecure: p.secureViews ? "true" : "false",
        // A statement change is a CREATE OR REPLACE in place: keep the readers' grants on the new view.
        copyGrants: true,
        statement: viewStatement(selectListOf(p.views[viewName]), this.qualifiedName),
        comment: p.comment ? `View of ${this.qualifiedName}: ${p.comment}` : `View of ${this.qualifiedName}`,
        dependsOn: [this.table],
      });
      owned.push({ type: "VIEW", name: qualified(p.database, p.schema, viewName), resource: view });
    }
    this.ownedObjects = owned;

    p.searchOptimizationPaths.forEach((path) => {
      const sql = searchOptimizationStatements(this.qualifiedName, path);
      // The path itself names the child (ids may hold any character but "/"), so ids never collide.
      new Execute(this, `SearchOptimization(${path})`, {
        execute: sql.add,
        revert: sql.drop,
        dependsOn: [this.table],
      });
    });
  }
}
