import { Author, Comment, db } from "astro:db";

const TOTAL = 100_000;
const CHUNK = 1_000;

export default async function seed() {
  const started = performance.now();
  await db.insert(Author).values(Array.from({ length: 10 }, (_, i) => ({ id: i + 1, name: `Author ${i + 1}` })));
  for (let offset = 0; offset < TOTAL; offset += CHUNK) {
    const rows = Array.from({ length: CHUNK }, (_, i) => ({
      authorId: ((offset + i) % 10) + 1,
      body: `Comment number ${offset + i} with a little text to store`,
    }));
    await db.insert(Comment).values(rows);
  }
  console.log(`BENCH_SEED_MS=${(performance.now() - started).toFixed(1)}`);
}
