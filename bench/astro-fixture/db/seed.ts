// 100k comments in the shape named by BENCH_SHAPE (see bench/astro-seed.mjs). Every shape
// inserts the same rows: SQL default (NOW) on most rows and a date on some (column subsets
// differ between rows), JSON, dates, booleans, and `undefined` beside `null`.
import { Author, Comment, db, sql } from "astro:db";

const TOTAL = 100_000;
const CHUNK = 1_000;
const SHAPE = process.env.BENCH_SHAPE ?? "chunks";

function row(n: number) {
  return {
    id: n + 1,
    authorId: (n % 10) + 1,
    body: `Comment number ${n} with a little text to store`,
    ...(n % 10 === 0 ? { published: new Date(Date.UTC(2024, 0, 1, 0, 0, n % 60)) } : {}),
    edited: n % 3 === 0 ? new Date(Date.UTC(2024, 5, 1 + (n % 28))) : undefined,
    meta: n % 5 === 0 ? undefined : { n, tags: ["a", "b"] },
    flagged: n % 2 === 0,
    note: n % 4 === 0 ? null : undefined,
  };
}

function chunks() {
  const out = [];
  for (let offset = 0; offset < TOTAL; offset += CHUNK) out.push(Array.from({ length: CHUNK }, (_, i) => row(offset + i)));
  return out;
}

export default async function seed() {
  const started = performance.now();
  await db.insert(Author).values(Array.from({ length: 10 }, (_, i) => ({ id: i + 1, name: `Author ${i + 1}` })));
  switch (SHAPE) {
    case "chunks":
      for (const rows of chunks()) await db.insert(Comment).values(rows);
      break;
    case "batch":
      await db.batch(chunks().map((rows) => db.insert(Comment).values(rows)) as any);
      break;
    case "transaction":
      await db.transaction(async (tx) => {
        for (const rows of chunks()) await tx.insert(Comment).values(rows);
      });
      break;
    case "rows":
      for (let n = 0; n < TOTAL; n++) await db.insert(Comment).values(row(n));
      break;
    case "conflict":
      for (const rows of chunks()) await db.insert(Comment).values(rows).onConflictDoNothing();
      break;
    case "upsert":
      for (const rows of chunks()) {
        await db.insert(Comment).values(rows).onConflictDoUpdate({ target: Comment.id, set: { likes: sql`${Comment.likes} + 1` } });
      }
      break;
    case "returning": {
      let returned = 0;
      for (const rows of chunks()) returned += (await db.insert(Comment).values(rows).returning({ id: Comment.id })).length;
      if (returned !== TOTAL) throw new Error(`returning() gave ${returned} rows`);
      break;
    }
    default:
      throw new Error(`unknown BENCH_SHAPE ${SHAPE}`);
  }
  console.log(`BENCH_SEED_MS=${(performance.now() - started).toFixed(1)}`);
}
