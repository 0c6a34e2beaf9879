import { Aspects, IAspect, TerraformElement, TerraformResource } from "cdktf";
import { IConstruct } from "constructs";
import { literalText } from "./literal-text";
import { MODULE_VERSIONS, ModuleName } from "./versions";

export const TAG_MODULE = "lakehouse:module";
export const TAG_MODULE_VERSION = "lakehouse:module-version";

/** `aws/log-bucket@0.1.0` */
export function moduleRef(name: ModuleName): string {
  return `${name}@${MODULE_VERSIONS[name]}`;
}

/** The Snowflake COMMENT of a module's object: the human description, then the module stamp. */
export function stampedComment(name: ModuleName, description?: string): string {
  const stamp = `[${moduleRef(name)}]`;
  return description ? `${description} ${stamp}` : stamp;
}

/** The `module@version` stamped in a synthesized resource's `//` block, if any. */
export function moduleStampOf(body: Record<string, unknown> | undefined): string | undefined {
  return (body?.["//"] as { lakehouse_module?: string } | undefined)?.lakehouse_module;
}

interface Taggable {
  tags?: Record<string, string>;
  tagsInput?: Record<string, string>;
}
interface Commentable {
  comment?: string;
  commentInput?: string;
}

/**
 * Stamps every resource under a module with the module name and version:
 * - AWS resources that take tags get `lakehouse:module` and `lakehouse:module-version`;
 * - Snowflake objects that take a COMMENT get `[<module>@<version>]` appended (kept if present);
 * - every resource, taggable or not, gets the stamp in its `//` metadata block of the synthesized
 *   JSON (Terraform ignores `//` keys), so review tooling can trace any address to a module version.
 */
export class ModuleStamp implements IAspect {
  constructor(
    private readonly name: ModuleName,
    private readonly owner: IConstruct,
  ) {}

  visit(node: IConstruct): void {
    if (!(node instanceof TerraformResource)) return;
    // Only the innermost stamped construct stamps a resource (a stack's stamp skips its modules').
    if (innermostStamped(node) !== this.owner) return;
    const version = MODULE_VERSIONS[this.name];
    const type = node.terraformResourceType;
    if (type.startsWith("aws_") && "tagsInput" in node) {
      const taggable = node as unknown as Taggable;
      taggable.tags = { ...(taggable.tagsInput ?? {}), [TAG_MODULE]: this.name, [TAG_MODULE_VERSION]: version };
    }
    if (type.startsWith("snowflake_") && "commentInput" in node) {
      const commentable = node as unknown as Commentable;
      const current = commentable.commentInput;
      const stamp = `[${moduleRef(this.name)}]`;
      if (current === undefined || !current.includes(stamp)) {
        commentable.comment = current ? `${current} ${stamp}` : stamp;
      }
    }
    (node as TerraformElement).addOverride("//.lakehouse_module", moduleRef(this.name));
  }
}

function innermostStamped(node: IConstruct): IConstruct | undefined {
  for (let c: IConstruct | undefined = node; c; c = c.node.scope) {
    if (Aspects.of(c).all.some((a) => a instanceof ModuleStamp)) return c;
  }
  return undefined;
}

/**
 * Registers the stamp on a module construct; call once in each module's constructor. Everything the
 * module synthesizes is also made literal text for Terraform (`literalText`): no string it writes,
 * from config or props, is evaluated as a template.
 */
export function stampModule(scope: IConstruct, name: ModuleName): void {
  Aspects.of(scope).add(new ModuleStamp(name, scope));
  literalText(scope);
}
