import { Author, Comment, db } from "astro:db";

// Development data: runs on every `astro dev` start, against a fresh database.
export default async function seed() {
  await db.insert(Author).values([
    { id: 1, name: "Kasim" },
    { id: 2, name: "Mina" },
  ]);
  await db.insert(Comment).values([
    { authorId: 1, body: "Hope you like Astro DB!" },
    { authorId: 2, body: "Enjoy!", likes: 3 },
  ]);
  // A batch: one round trip, all or nothing.
  const queries = Array.from({ length: 100 }, (_, i) =>
    db.insert(Comment).values({ authorId: 1 + (i % 2), body: `Seeded comment #${i + 1}` }),
  );
  await db.batch([queries[0], ...queries.slice(1)]);
}
