import type { ResultSet as ResultSetType, Row } from "./types.js";

/** The outcome of one statement. */
export class ResultSet implements ResultSetType {
  columns: string[];
  columnTypes: string[];
  rows: Row[];
  rowsAffected: number;
  lastInsertRowid: bigint | undefined;

  constructor(columns: string[], columnTypes: string[], rows: Row[], rowsAffected: number, lastInsertRowid: bigint | undefined) {
    this.columns = columns;
    this.columnTypes = columnTypes;
    this.rows = rows;
    this.rowsAffected = rowsAffected;
    this.lastInsertRowid = lastInsertRowid;
  }

  /** A JSON-safe copy: rows as arrays, bigints as strings, blobs as base64. */
  toJSON(): unknown {
    return {
      columns: this.columns,
      columnTypes: this.columnTypes,
      rows: this.rows.map((row) => Array.prototype.map.call(row, valueToJson)),
      rowsAffected: this.rowsAffected,
      lastInsertRowid: this.lastInsertRowid !== undefined ? "" + this.lastInsertRowid : null,
    };
  }
}

function valueToJson(value: unknown): unknown {
  if (typeof value === "bigint") return "" + value;
  if (value instanceof ArrayBuffer) return Buffer.from(value).toString("base64");
  return value;
}

type NativeResult = [string[], string[], Row[], number, bigint | undefined];

export function toResultSet(r: NativeResult): ResultSet {
  return new ResultSet(r[0], r[1], r[2], r[3], r[4]);
}
