// The TypeScript shape of a table in `astro:db`: a Drizzle SQLite table whose columns'
// select and insert types follow the column options (generated .d.ts files use it).
import type { ColumnBaseConfig, ColumnDataType } from "drizzle-orm";
import type { SQLiteColumn, SQLiteTableWithColumns } from "drizzle-orm/sqlite-core";

type ColumnLike = { type: string; schema: object };

type Flags = Pick<ColumnBaseConfig<ColumnDataType, string>, "name" | "tableName" | "notNull" | "hasDefault" | "hasRuntimeDefault" | "isPrimaryKey">;

type Kind<D, DT extends ColumnDataType, CT extends string, P, E = never> = {
  data: D;
  dataType: DT;
  columnType: CT;
  driverParam: P;
  enumValues: E;
  baseColumn: never;
  isAutoincrement: boolean;
  identity: undefined;
  generated: undefined;
};

type EnumOf<S> = S extends { enum: infer E } ? (E extends readonly [string, ...string[]] ? E : never) : never;

type ColumnOf<C extends ColumnLike, F extends Flags> = C["type"] extends "boolean"
  ? SQLiteColumn<F & Kind<boolean, "boolean", "SQLiteBoolean", number>>
  : C["type"] extends "number"
    ? SQLiteColumn<F & Kind<number, "number", "SQLiteInteger", number>>
    : C["type"] extends "text"
      ? SQLiteColumn<
          F &
            Kind<
              [EnumOf<C["schema"]>] extends [never] ? string : EnumOf<C["schema"]>[number],
              "string",
              "SQLiteText",
              string,
              [EnumOf<C["schema"]>] extends [never] ? never : EnumOf<C["schema"]>
            >
        >
      : C["type"] extends "date"
        ? SQLiteColumn<F & Kind<Date, "custom", "SQLiteCustomColumn", string>>
        : C["type"] extends "json"
          ? SQLiteColumn<F & Kind<unknown, "custom", "SQLiteCustomColumn", string>>
          : never;

type HasDefault<S> = S extends { default: NonNullable<unknown> } ? true : S extends { primaryKey: true } ? true : false;

/** A configured table as a Drizzle table: `db.select().from(Table)` is fully typed. */
export type Table<TTableName extends string, TColumns extends Record<string, ColumnLike>> = SQLiteTableWithColumns<{
  name: TTableName;
  schema: undefined;
  dialect: "sqlite";
  columns: {
    [K in Extract<keyof TColumns, string>]: ColumnOf<
      TColumns[K],
      {
        tableName: TTableName;
        name: K;
        isPrimaryKey: TColumns[K]["schema"] extends { primaryKey: true } ? true : false;
        hasDefault: HasDefault<TColumns[K]["schema"]>;
        hasRuntimeDefault: TColumns[K]["schema"] extends { default: NonNullable<unknown> } ? true : false;
        notNull: TColumns[K]["schema"] extends { optional: true } ? false : true;
      }
    >;
  };
}>;
