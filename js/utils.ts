/**
 * `@astrojs/db/utils`: for integration authors.
 */
import type { AstroIntegration } from "astro";
import type { ColumnsConfig, TableConfig } from "./config-types.js";
import { asDrizzleTable as tableFromConfig } from "./runtime/index.js";
import type { Table } from "./runtime/table-type.js";

/** Declares an integration that may use the `astro:db:setup` hook (identity, for types). */
export function defineDbIntegration(integration: AstroIntegration): AstroIntegration {
  return integration;
}

/**
 * A typed Drizzle table from a table config, for integrations that query their own tables
 * (in seed files or at run time) without going through `astro:db`.
 */
export function asDrizzleTable<TableName extends string = string, TColumns extends ColumnsConfig = ColumnsConfig>(
  name: TableName,
  tableConfig: TableConfig<TColumns>,
): Table<TableName, TColumns> {
  return tableFromConfig(name, tableConfig as any) as Table<TableName, TColumns>;
}
