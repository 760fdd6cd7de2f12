// Types of what users write in db/config.ts: `column.*`, `defineTable`, `defineDb`.
import type { SQL } from "drizzle-orm";

type MaybeArray<T> = T | T[];

interface BaseColumnOpts {
  /** Shown in tools; no effect on the database. */
  label?: string;
  /** Allows NULL (columns are NOT NULL by default). */
  optional?: boolean;
  unique?: boolean;
  /** Kept in the database but hidden from types; the first step of removing a column. */
  deprecated?: boolean;
  /**
   * The column's previous name: a push renames it (`ALTER TABLE … RENAME COLUMN`), keeping its
   * values, indexes and references; once done, later pushes do nothing. Safe to leave in place.
   */
  renamedFrom?: string;
  /** @deprecated The object key is the column name; this is ignored. */
  name?: string;
  /** @internal */
  collection?: string;
}

export interface BooleanColumnOpts extends BaseColumnOpts {
  default?: boolean | SQL;
}

export type NumberColumnOpts = BaseColumnOpts & {
  references?: () => NumberColumnInput;
} & (
    | { primaryKey?: false; default?: number | SQL }
    | { primaryKey: true; optional?: false; default?: undefined }
  );

export type TextColumnOpts = BaseColumnOpts & {
  references?: () => TextColumnInput;
  multiline?: boolean;
  enum?: readonly [string, ...string[]];
} & (
    | { primaryKey?: false; default?: string | SQL }
    | { primaryKey: true; optional?: false; default?: undefined }
  );

export interface DateColumnOpts extends BaseColumnOpts {
  default?: Date | string | SQL;
}

export interface JsonColumnOpts extends BaseColumnOpts {
  default?: unknown;
}

export interface BooleanColumnInput { type: "boolean"; schema: BooleanColumnOpts }
export interface NumberColumnInput { type: "number"; schema: NumberColumnOpts }
export interface TextColumnInput { type: "text"; schema: TextColumnOpts }
export interface DateColumnInput { type: "date"; schema: DateColumnOpts }
export interface JsonColumnInput { type: "json"; schema: JsonColumnOpts }

export type DBColumnInput = BooleanColumnInput | NumberColumnInput | TextColumnInput | DateColumnInput | JsonColumnInput;
export type ColumnType = DBColumnInput["type"];
export type ColumnsConfig = Record<string, DBColumnInput>;

export interface IndexConfig<TColumns extends ColumnsConfig = ColumnsConfig> {
  on: MaybeArray<Extract<keyof TColumns, string>>;
  unique?: boolean;
  name?: string;
}

/** @deprecated Use the array form of `indexes`. */
export interface LegacyIndexConfig<TColumns extends ColumnsConfig = ColumnsConfig> {
  on: MaybeArray<Extract<keyof TColumns, string>>;
  unique?: boolean;
}

export interface TableConfig<TColumns extends ColumnsConfig = ColumnsConfig> {
  columns: TColumns;
  indexes?: Array<IndexConfig<TColumns>> | Record<string, LegacyIndexConfig<TColumns>>;
  foreignKeys?: Array<{
    columns: MaybeArray<Extract<keyof TColumns, string>>;
    references: () => MaybeArray<NumberColumnInput | TextColumnInput>;
  }>;
  deprecated?: boolean;
  /** The table's previous name: a push renames it (`ALTER TABLE … RENAME TO`), keeping its rows. */
  renamedFrom?: string;
}

/**
 * A table as `defineDb` accepts it. Deliberately not `TableConfig<ColumnsConfig>`: the
 * column names in `indexes` and `foreignKeys` make `TableConfig` contravariant in its
 * columns, so a specific table would not be assignable to it.
 */
export interface AnyTableConfig {
  columns: ColumnsConfig;
  indexes?: Array<{ on: MaybeArray<string>; unique?: boolean; name?: string }> | Record<string, { on: MaybeArray<string>; unique?: boolean }>;
  foreignKeys?: Array<{ columns: MaybeArray<string>; references: () => MaybeArray<NumberColumnInput | TextColumnInput> }>;
  deprecated?: boolean;
  renamedFrom?: string;
}

export interface DBConfigInput {
  tables?: Record<string, AnyTableConfig>;
}

/** A table as stored in a snapshot (what `asDrizzleTable` receives from generated code). */
export interface DBTable {
  columns: Record<string, { type: ColumnType; schema: Record<string, any> }>;
  indexes?: Record<string, { on: string | string[]; unique?: boolean }> | Array<{ on: string | string[]; unique?: boolean; name?: string }>;
  foreignKeys?: unknown;
  deprecated?: boolean;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Astro {
    export interface IntegrationHooks {
      "astro:db:setup"?: (options: {
        extendDb: (options: {
          configEntrypoint?: URL | string;
          seedEntrypoint?: URL | string;
          /** `false`: the seed reads something outside its code (environment, clock, network), so it always runs and no dev start copies its result from the seed cache. */
          seedCache?: boolean;
        }) => void;
      }) => void | Promise<void>;
    }
  }
}
