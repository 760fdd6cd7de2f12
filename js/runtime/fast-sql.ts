// Turning a Drizzle SQL tree into `{ sql, params }` for the databases we construct, with the
// result Drizzle's own `SQL.toQuery` gives, faster. Drizzle tells chunk kinds apart with
// `is()`, which walks the prototype chain of every chunk for every kind it is not (so that
// two copies of drizzle-orm interoperate): on a one-row page query that was about half of
// the time the whole database part of the request took (bench/request-breakdown.mjs).
// Here a chunk's kind is its exact class (or `instanceof` for tables and columns, whose
// classes are subclassed per dialect); anything else (views, subqueries, aliases of
// expressions, enums, objects with `getSQL`, chunks from another copy of drizzle-orm)
// hands the whole tree back to Drizzle, so the result never differs, only the time.
import { Column, entityKind, Name, Param, Placeholder, SQL, StringChunk, Table } from "drizzle-orm";

// Drizzle's own symbols (`Symbol.for`), shared by every copy of drizzle-orm.
const IsAlias = Symbol.for("drizzle:IsAlias");
const TABLE_NAME = (Table as any).Symbol.Name as symbol;
const TABLE_SCHEMA = (Table as any).Symbol.Schema as symbol;

interface Dialect {
  casing: { getColumnCasing(column: unknown): string };
  escapeName(name: string): string;
  escapeParam(num: number, value: unknown): string;
  escapeString(str: string): string;
  sqlToQuery(sql: any, invokeSource?: string): Query;
}

export interface Query {
  sql: string;
  params: unknown[];
  typings?: string[];
}

/** Thrown inside the walk when a chunk is not one this builder knows; caught below. */
const UNKNOWN = Symbol("unknown chunk");

class Builder {
  text = "";
  params: unknown[] = [];
  #dialect: Dialect;

  constructor(dialect: Dialect) {
    this.#dialect = dialect;
  }

  chunks(chunks: unknown[], inline: boolean): void {
    for (let i = 0; i < chunks.length; i++) this.chunk(chunks[i], inline);
  }

  chunk(chunk: any, inline: boolean): void {
    if (chunk === undefined) return;
    // A function may be an enum or carry `getSQL`: Drizzle's to judge.
    if (typeof chunk === "function") throw UNKNOWN;
    if (chunk === null || typeof chunk !== "object") return this.value(chunk, inline);
    // The class from the prototype, not `.constructor`: subqueries and aliases are proxies
    // that answer property reads with their fields.
    const kind = Object.getPrototypeOf(chunk)?.constructor;
    if (kind === StringChunk) {
      const parts = chunk.value as string[];
      this.text += parts.length === 1 ? parts[0] : parts.join("");
    } else if (kind === SQL) {
      this.chunks(chunk.queryChunks, inline || chunk.shouldInlineParams);
    } else if (kind === Param) {
      this.param(chunk, inline);
    } else if (kind === Name) {
      this.text += this.#dialect.escapeName(chunk.value);
    } else if (Array.isArray(chunk)) {
      this.text += "(";
      for (let i = 0; i < chunk.length; i++) {
        if (i > 0) this.text += ", ";
        this.chunk(chunk[i], inline);
      }
      this.text += ")";
    } else if (chunk instanceof Column) {
      const d = this.#dialect;
      const table = (chunk as any).table;
      const column = d.escapeName(d.casing.getColumnCasing(chunk));
      const schema = table[TABLE_SCHEMA];
      this.text +=
        table[IsAlias] || schema === undefined
          ? d.escapeName(table[TABLE_NAME]) + "." + column
          : d.escapeName(schema) + "." + d.escapeName(table[TABLE_NAME]) + "." + column;
    } else if (chunk instanceof Table) {
      const d = this.#dialect;
      const schema = (chunk as any)[TABLE_SCHEMA];
      const name = (chunk as any)[TABLE_NAME];
      this.text += schema === undefined || (chunk as any)[IsAlias] ? d.escapeName(name) : d.escapeName(schema) + "." + d.escapeName(name);
    } else if (kind === Placeholder) {
      this.bound(chunk);
    } else if (isDrizzleEntity(chunk) || typeof chunk.getSQL === "function") {
      throw UNKNOWN;
    } else {
      // A plain value in a `sql` template (a Date, a Buffer, an object).
      this.value(chunk, inline);
    }
  }

  param(chunk: Param, inline: boolean): void {
    const value = chunk.value as any;
    if (value !== null && typeof value === "object" && Object.getPrototypeOf(value)?.constructor === Placeholder) return this.bound(chunk);
    if (isDrizzleEntity(value)) throw UNKNOWN;
    const mapped = value === null ? null : chunk.encoder.mapToDriverValue(value);
    if (isDrizzleEntity(mapped)) {
      if (Object.getPrototypeOf(mapped).constructor !== SQL) throw UNKNOWN;
      // Drizzle builds a mapped SQL value with the settings of the tree it sits in.
      return this.chunk(mapped, inline);
    }
    this.value(mapped, inline);
  }

  value(value: unknown, inline: boolean): void {
    if (inline) {
      this.text += (SQL.prototype as any).mapInlineParam.call(null, value, { escapeString: this.#dialect.escapeString } as any);
    } else {
      this.bound(value);
    }
  }

  bound(value: unknown): void {
    this.text += this.#dialect.escapeParam(this.params.length, value);
    this.params.push(value);
  }
}

/** Whether `value` is an instance of a Drizzle class (of any copy of drizzle-orm). */
function isDrizzleEntity(value: any): boolean {
  if (value === null || typeof value !== "object") return false;
  const kind = Object.getPrototypeOf(value)?.constructor;
  return kind !== undefined && kind !== null && entityKind in kind;
}

/**
 * Replaces `dialect.sqlToQuery` (the one place Drizzle turns a finished SQL tree into text and
 * parameters for this dialect) with the faster builder, falling back to Drizzle's for trees
 * holding anything else. Only the given dialect instance changes.
 */
export function enableFastSql(dialect: Dialect): void {
  const drizzles = dialect.sqlToQuery;
  dialect.sqlToQuery = function sqlToQuery(this: Dialect, sql: any, invokeSource?: string): Query {
    if (invokeSource !== undefined || sql === null || typeof sql !== "object" || Object.getPrototypeOf(sql) !== SQL.prototype) {
      return drizzles.call(this, sql, invokeSource);
    }
    const b = new Builder(this);
    try {
      const tree = sql as unknown as { queryChunks: unknown[]; shouldInlineParams: boolean };
      b.chunks(tree.queryChunks, tree.shouldInlineParams);
    } catch (e) {
      if (e === UNKNOWN) return drizzles.call(this, sql, invokeSource);
      throw e;
    }
    const params = b.params;
    return params.length === 0 ? { sql: b.text, params } : { sql: b.text, params, typings: params.map(() => "none") };
  };
}
