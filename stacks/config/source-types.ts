/**
 * The known log sources, by the name `type:` gives them. A file of their own: the source schema
 * accepts these names and the catalog (catalog.ts, typed by that schema) has an entry for each, so
 * neither needs to import the other.
 */
export const SOURCE_TYPES = ["cloudtrail", "okta", "google-workspace", "github-audit", "guardduty", "route53-resolver", "vpc-flow"] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];
