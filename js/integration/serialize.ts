// Turns evaluated db/config files (live objects: column builders, reference functions,
// Drizzle SQL defaults, Dates) into the plain JSON the Rust schema loader reads.
import { is, SQL } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";

const dialect = new SQLiteAsyncDialect();

export interface ConfigSource {
  /** `null` for the user's own db/config file. */
  integration: string | null;
  config: unknown;
}

export interface Problem {
  path: string;
  message: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type ColumnRef = { table: string; column: string };

/** The loader input: user tables, then each integration's tables in registration order. */
export function serializeConfigs(sources: ConfigSource[], problems: Problem[]): Json {
  const owners = new Map<object, ColumnRef>();
  for (const { config } of sources) {
    for (const [table, def] of Object.entries(tablesOf(config))) {
      for (const [column, col] of Object.entries(columnsOf(def))) {
        if (col && typeof col === "object" && !owners.has(col)) owners.set(col, { table, column });
      }
    }
  }
  const integrations: Json[] = [];
  let user: Record<string, Json> = {};
  for (const { integration, config } of sources) {
    const tables: Record<string, Json> = {};
    for (const [name, def] of Object.entries(tablesOf(config))) {
      tables[name] = serializeTable(`tables.${name}`, def, owners, problems);
    }
    if (integration === null) user = tables;
    else integrations.push({ name: integration, tables });
  }
  return { tables: user, integrations };
}

function tablesOf(config: unknown): Record<string, unknown> {
  const tables = (config as { tables?: unknown } | null | undefined)?.tables;
  return tables && typeof tables === "object" ? (tables as Record<string, unknown>) : {};
}

function columnsOf(table: unknown): Record<string, unknown> {
  const columns = (table as { columns?: unknown } | null | undefined)?.columns;
  return columns && typeof columns === "object" ? (columns as Record<string, unknown>) : {};
}

function serializeTable(path: string, def: unknown, owners: Map<object, ColumnRef>, problems: Problem[]): Json {
  if (!def || typeof def !== "object") return toJson(def);
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(def)) {
    if (value === undefined) continue;
    if (key === "columns") {
      const columns: Record<string, Json> = {};
      for (const [name, col] of Object.entries(columnsOf(def))) {
        columns[name] = serializeColumn(`${path}.columns.${name}`, col, owners, problems);
      }
      out.columns = columns;
    } else if (key === "foreignKeys" && Array.isArray(value)) {
      out.foreignKeys = value.map((fk, i) => serializeForeignKey(`${path}.foreignKeys[${i}]`, fk, owners, problems));
    } else {
      out[key] = toJson(value);
    }
  }
  return out;
}

function serializeColumn(path: string, col: unknown, owners: Map<object, ColumnRef>, problems: Problem[]): Json {
  if (!col || typeof col !== "object") return toJson(col);
  const { type, schema } = col as { type?: unknown; schema?: unknown };
  const out: Record<string, Json> = { type: toJson(type) };
  if (schema && typeof schema === "object") {
    const s: Record<string, Json> = {};
    for (const [key, value] of Object.entries(schema)) {
      if (value === undefined) continue;
      if (key === "references") {
        const ref = resolveReference(`${path}.references`, value, owners, problems);
        if (ref) s.references = ref;
      } else {
        s[key] = toJson(value);
      }
    }
    out.schema = s;
  } else if (schema !== undefined) {
    out.schema = toJson(schema);
  }
  return out;
}

function serializeForeignKey(path: string, fk: unknown, owners: Map<object, ColumnRef>, problems: Problem[]): Json {
  if (!fk || typeof fk !== "object") return toJson(fk);
  const { columns, references } = fk as { columns?: unknown; references?: unknown };
  const refs: Json[] = [];
  const target = call(`${path}.references`, references, problems);
  for (const col of target === undefined ? [] : Array.isArray(target) ? target : [target]) {
    const owner = col && typeof col === "object" ? owners.get(col) : undefined;
    if (owner) refs.push(owner);
    else problems.push({ path: `${path}.references`, message: notConfiguredMessage });
  }
  return { columns: toJson(Array.isArray(columns) ? columns : [columns]), references: refs };
}

const notConfiguredMessage =
  "the referenced column is not part of any configured table: add its table to `tables` in db/config (or to an integration's config).";

function resolveReference(path: string, value: unknown, owners: Map<object, ColumnRef>, problems: Problem[]): Json | undefined {
  const target = call(path, value, problems);
  if (target === undefined) return undefined;
  const owner = target && typeof target === "object" ? owners.get(target) : undefined;
  if (!owner) {
    problems.push({ path, message: notConfiguredMessage });
    return undefined;
  }
  return owner;
}

function call(path: string, fn: unknown, problems: Problem[]): unknown {
  if (typeof fn !== "function") {
    problems.push({ path, message: "must be a function returning a column, e.g. `references: () => Author.columns.id`." });
    return undefined;
  }
  try {
    return fn();
  } catch (e) {
    problems.push({ path, message: `calling it threw: ${e instanceof Error ? e.message : String(e)}` });
    return undefined;
  }
}

/** Plain JSON for a config value: SQL becomes `{ __serializedSQL, sql }`, Dates ISO strings. */
function toJson(value: unknown): Json {
  if (value === undefined) return null;
  if (value === null || typeof value === "boolean" || typeof value === "number" || typeof value === "string") return value;
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (is(value, SQL)) return { __serializedSQL: true, sql: dialect.sqlToQuery(value).sql };
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === "object") {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJson(v);
    return out;
  }
  return String(value);
}
