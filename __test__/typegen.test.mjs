// Type generation check: the native `generateTypes` output, compiled with `tsc` against a
// sample that asserts insert/select types. `@astrojs/db/runtime` does not exist yet (issue 4),
// so the test declares a local copy of upstream's `Table` type (runtime/types.ts, 0.21.3);
// switch to the real runtime types once they land.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateTypes, loadSchema } from '../index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

const config = {
  tables: {
    User: {
      columns: {
        id: { type: 'number', schema: { primaryKey: true } },
        name: { type: 'text' },
        bio: { type: 'text', schema: { optional: true, multiline: true } },
        role: { type: 'text', schema: { enum: ['admin', 'user'], default: 'user' } },
        born: { type: 'date', schema: { optional: true } },
        joined: { type: 'date', schema: { default: { __serializedSQL: true, sql: 'CURRENT_TIMESTAMP' } } },
        prefs: { type: 'json', schema: { default: { theme: 'dark' } } },
        active: { type: 'boolean', schema: { default: true } },
        legacy: { type: 'text', schema: { deprecated: true } },
      },
    },
    Post: {
      columns: {
        slug: { type: 'text', schema: { primaryKey: true } },
        authorId: { type: 'number', schema: { references: { table: 'User', column: 'id' } } },
        meta: { type: 'json' },
      },
      indexes: [{ on: ['authorId'] }],
    },
  },
};

// Mirrors `Table` of upstream packages/db/src/runtime/types.ts.
const runtimeDts = `declare module '@astrojs/db/runtime' {
  import type { ColumnBaseConfig, ColumnDataType } from 'drizzle-orm';
  import type { SQLiteColumn, SQLiteTableWithColumns } from 'drizzle-orm/sqlite-core';
  type ColumnsConfig = Record<string, { type: 'boolean' | 'number' | 'text' | 'date' | 'json'; schema: Record<string, unknown> }>;
  type GeneratedConfig<T extends ColumnDataType = ColumnDataType> = Pick<
    ColumnBaseConfig<T, string>,
    'name' | 'tableName' | 'notNull' | 'hasDefault' | 'hasRuntimeDefault' | 'isPrimaryKey'>;
  type Base = { baseColumn: never; isAutoincrement: boolean; identity: undefined; generated: undefined };
  type AstroText<T extends GeneratedConfig<'string'>, E extends readonly [string, ...string[]] | string> = SQLiteColumn<T & Base & {
    data: E extends readonly (infer U)[] ? U : string; dataType: 'string'; columnType: 'SQLiteText';
    driverParam: string; enumValues: E extends [string, ...string[]] ? E : never }>;
  type AstroDate<T extends GeneratedConfig<'custom'>> = SQLiteColumn<T & Base & {
    data: Date; dataType: 'custom'; columnType: 'SQLiteCustomColumn'; driverParam: string; enumValues: never }>;
  type AstroBoolean<T extends GeneratedConfig<'boolean'>> = SQLiteColumn<T & Base & {
    data: boolean; dataType: 'boolean'; columnType: 'SQLiteBoolean'; driverParam: number; enumValues: never }>;
  type AstroNumber<T extends GeneratedConfig<'number'>> = SQLiteColumn<T & Base & {
    data: number; dataType: 'number'; columnType: 'SQLiteInteger'; driverParam: number; enumValues: never }>;
  type AstroJson<T extends GeneratedConfig<'custom'>> = SQLiteColumn<T & Base & {
    data: unknown; dataType: 'custom'; columnType: 'SQLiteCustomColumn'; driverParam: string; enumValues: never }>;
  type Column<T, E extends readonly [string, ...string[]] | string, S extends GeneratedConfig> =
    T extends 'boolean' ? AstroBoolean<S> : T extends 'number' ? AstroNumber<S> : T extends 'text' ? AstroText<S, E>
    : T extends 'date' ? AstroDate<S> : T extends 'json' ? AstroJson<S> : never;
  export type Table<TTableName extends string, TColumns extends ColumnsConfig> = SQLiteTableWithColumns<{
    name: TTableName; schema: undefined; dialect: 'sqlite';
    columns: {
      [K in Extract<keyof TColumns, string>]: Column<
        TColumns[K]['type'],
        TColumns[K]['schema'] extends { enum: infer E } ? (E extends readonly [string, ...string[]] ? E : string) : string,
        {
          tableName: TTableName; name: K;
          isPrimaryKey: TColumns[K]['schema'] extends { primaryKey: true } ? true : false;
          hasDefault: TColumns[K]['schema'] extends { default: NonNullable<unknown> } ? true
            : TColumns[K]['schema'] extends { primaryKey: true } ? true : false;
          hasRuntimeDefault: TColumns[K]['schema'] extends { default: NonNullable<unknown> } ? true : false;
          notNull: TColumns[K]['schema']['optional'] extends true ? false : true;
        }>;
    };
  }>;
}
`;

const sample = `import { User, Post } from 'astro:db';
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function expect<T extends true>(): void {}
type Optional<T, K extends keyof T> = {} extends Pick<T, K> ? true : false;

type USel = typeof User.$inferSelect;
type UIns = typeof User.$inferInsert;
expect<Equal<USel['id'], number>>();
expect<Equal<USel['name'], string>>();
expect<Equal<USel['bio'], string | null>>();
expect<Equal<USel['role'], 'admin' | 'user'>>();
expect<Equal<USel['born'], Date | null>>();
expect<Equal<USel['joined'], Date>>();
expect<Equal<USel['prefs'], unknown>>();
expect<Equal<USel['active'], boolean>>();
expect<Equal<'legacy' extends keyof USel ? true : false, false>>();
// Insert: primary key and defaulted columns are optional, optional columns are nullable.
expect<Optional<UIns, 'id'>>();
expect<Optional<UIns, 'role'>>();
expect<Optional<UIns, 'joined'>>();
expect<Optional<UIns, 'bio'>>();
expect<Equal<Optional<UIns, 'name'>, false>>();
const ok: UIns = { name: 'Ada', role: 'admin', bio: null };
// @ts-expect-error an enum narrows the accepted strings
const badRole: UIns = { name: 'Ada', role: 'root' };
// @ts-expect-error name is required
const noName: UIns = { role: 'user' };
// @ts-expect-error deprecated columns are not part of the table type
const old: UIns = { name: 'Ada', legacy: 'x' };

type PSel = typeof Post.$inferSelect;
type PIns = typeof Post.$inferInsert;
expect<Equal<PSel['slug'], string>>();
expect<Equal<PSel['authorId'], number>>();
expect<Equal<Optional<PIns, 'authorId'>, false>>();
expect<Optional<PIns, 'slug'>>();
export { ok, badRole, noName, old };
`;

test('generateTypes output compiles and types tables as the contract says', () => {
  const loaded = loadSchema(JSON.stringify(config));
  const dts = generateTypes(loaded.snapshot);
  assert.match(dts, /^\/\/ This file is generated by Astro DB\ndeclare module 'astro:db' \{/);
  assert.match(dts, /export const User: import\("@astrojs\/db\/runtime"\)\.Table<\n\t\t"User",/);
  assert.doesNotMatch(dts, /"legacy"/);

  const dir = mkdtempSync(join(tmpdir(), 'astro-db-typegen-'));
  try {
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'db.d.ts'), dts);
    writeFileSync(join(dir, 'runtime.d.ts'), runtimeDts);
    writeFileSync(join(dir, 'sample.ts'), sample);
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, target: 'es2022', module: 'esnext',
        moduleResolution: 'bundler', skipLibCheck: true, types: [],
      },
      files: ['runtime.d.ts', 'db.d.ts', 'sample.ts'],
    }));
    try {
      execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
    } catch (e) {
      assert.fail(`tsc failed:\n${e.stdout}${e.stderr}\n--- db.d.ts ---\n${dts}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('invalid config throws ASTRO_DB_INVALID_CONFIG with every problem', () => {
  const bad = {
    tables: {
      Comment: {
        columns: {
          authorId: { type: 'number', schema: { references: { table: 'Author', column: 'id' } } },
          id: { type: 'text', schema: { primaryKey: true, optional: true } },
        },
      },
    },
  };
  assert.throws(() => loadSchema(JSON.stringify(bad)), (err) => {
    assert.equal(err.code, 'ASTRO_DB_INVALID_CONFIG');
    assert.match(err.message, /tables\.Comment\.columns\.authorId\.references: references unknown table "Author"/);
    assert.match(err.message, /tables\.Comment\.columns\.id\.optional: /);
    assert.ok(Array.isArray(err.problems) && err.problems.length === 2);
    assert.deepEqual(Object.keys(err.problems[0]).sort(), ['message', 'path']);
    return true;
  });
});
