// Drizzle column builders for Astro DB column kinds: dates as ISO-8601 text, JSON as
// text, booleans as 0/1 integers, and the hidden `_id` key of tables without one.
import { sql, type SQL } from "drizzle-orm";
import { customType, integer, text } from "drizzle-orm/sqlite-core";

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export const dateColumn = customType<{ data: Date; driverData: string }>({
  dataType: () => "text",
  toDriver: (value) => value.toISOString(),
  fromDriver(value) {
    // CURRENT_TIMESTAMP writes "YYYY-MM-DD HH:MM:SS": UTC, but without the zone.
    return new Date(ISO_UTC.test(value) ? value : value + "Z");
  },
});

export const jsonColumn = customType<{ data: unknown; driverData: string }>({
  dataType: () => "text",
  toDriver: (value) => JSON.stringify(value),
  fromDriver: (value) => JSON.parse(value),
});

type Schema = Record<string, any>;

export function isSerializedSQL(value: unknown): value is { __serializedSQL: true; sql: string } {
  return typeof value === "object" && value !== null && "__serializedSQL" in value;
}

function sqlDefault(value: unknown): unknown {
  return isSerializedSQL(value) ? sql.raw(value.sql) : value;
}

/** A Drizzle column builder for one configured column. */
export function columnBuilder(name: string, type: string, schema: Schema): any {
  let c: any;
  const def = schema.default;
  switch (type) {
    case "text":
      c = text(name, { enum: schema.enum });
      if (def !== undefined) c = c.default(sqlDefault(def));
      if (schema.primaryKey === true) c = c.primaryKey();
      break;
    case "number":
      c = integer(name);
      if (def !== undefined) c = c.default(sqlDefault(def));
      if (schema.primaryKey === true) c = c.primaryKey();
      break;
    case "boolean":
      c = integer(name, { mode: "boolean" });
      if (def !== undefined) c = c.default(sqlDefault(def));
      break;
    case "json":
      c = jsonColumn(name);
      if (def !== undefined) c = c.default(isSerializedSQL(def) ? sqlDefault(def) : def);
      break;
    case "date": {
      c = dateColumn(name);
      if (def !== undefined) {
        const d = sqlDefault(def) as SQL | string | Date;
        c = c.default(typeof d === "string" ? new Date(d) : d);
      }
      break;
    }
    default:
      throw new Error(`Unknown column type ${JSON.stringify(type)} for column ${JSON.stringify(name)}`);
  }
  if (!schema.optional && schema.primaryKey !== true) c = c.notNull();
  if (schema.unique) c = c.unique();
  return c;
}
