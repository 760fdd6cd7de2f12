// What the browser knows about a table: the columns of db/config.ts (kind, optional, default,
// unique, references, enum) merged with the live table (columns made by hand, the database's
// own types), so that tables outside the config are browsable too.
export type Kind = "text" | "number" | "boolean" | "date" | "json" | "other";

export interface StudioColumn {
  name: string;
  kind: Kind;
  /** The live column's declared type (`TEXT`, `INTEGER`…), empty when the table has none. */
  sqlType: string;
  optional: boolean;
  primaryKey: boolean;
  unique: boolean;
  /** The default as SQL or JSON text, for display. */
  default?: string;
  hasDefault: boolean;
  references?: { table: string; column: string };
  enum?: string[];
  deprecated: boolean;
  /** In db/config.ts (false: only in the live table). */
  configured: boolean;
}

export interface StudioTable {
  name: string;
  configured: boolean;
  columns: StudioColumn[];
}

interface LiveColumn {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
  hidden: number;
}

function defaultText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (value && typeof value === "object" && "sql" in value) return String((value as { sql: unknown }).sql);
  return JSON.stringify(value);
}

function kindOfType(sqlType: string): Kind {
  const t = sqlType.toUpperCase();
  if (t.includes("INT") || t.includes("REAL") || t.includes("NUM") || t.includes("FLOA") || t.includes("DOUB")) return "number";
  if (t.includes("TEXT") || t.includes("CHAR") || t.includes("CLOB")) return "text";
  return "other";
}

/** The configured tables of a snapshot (`{"version", "schema": {Table: {columns}}}`) by name. */
export function configuredTables(snapshot: string | undefined): Map<string, Record<string, any>> {
  const out = new Map<string, Record<string, any>>();
  if (!snapshot) return out;
  const schema = (JSON.parse(snapshot).schema ?? {}) as Record<string, { columns: Record<string, any> }>;
  for (const [name, table] of Object.entries(schema)) out.set(name, table.columns);
  return out;
}

/** One table: the live columns (`PRAGMA table_xinfo`) described by the configured ones where they exist. */
export function describeTable(name: string, live: LiveColumn[], configured: Record<string, any> | undefined): StudioTable {
  const columns: StudioColumn[] = [];
  for (const l of live) {
    if (l.hidden === 1) continue;
    const c = configured?.[l.name];
    const s = c?.schema ?? {};
    const ref = s.references?.schema;
    columns.push({
      name: l.name,
      kind: c ? (c.type as Kind) : kindOfType(l.type),
      sqlType: l.type,
      optional: c ? s.optional === true || (s.primaryKey === true && c.type === "number") : l.notnull === 0,
      primaryKey: c ? s.primaryKey === true : l.pk > 0,
      unique: s.unique === true,
      default: c ? defaultText(s.default) : (l.dflt_value ?? undefined),
      hasDefault: c ? s.default !== undefined : l.dflt_value !== null,
      references: ref ? { table: String(ref.collection), column: String(ref.name) } : undefined,
      enum: Array.isArray(s.enum) ? s.enum.map(String) : undefined,
      deprecated: s.deprecated === true,
      configured: !!c,
    });
  }
  return { name, configured: !!configured, columns };
}
