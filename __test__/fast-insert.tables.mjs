// The tables the fast insert tests write: every column kind and default the fast path maps.
import { asDrizzleTable } from "@astrojs/db/runtime";

const NOW = { __serializedSQL: true, sql: "CURRENT_TIMESTAMP" };
export const Author = asDrizzleTable("Author", { columns: { id: { type: "number", schema: { primaryKey: true } }, name: { type: "text", schema: { unique: true } } } });
export const Post = asDrizzleTable("Post", {
  columns: {
    authorId: { type: "number", schema: { references: { type: "number", schema: { name: "id", collection: "Author" } } } },
    title: { type: "text", schema: { enum: ["a", "b"] } },
    body: { type: "text", schema: { optional: true } },
    published: { type: "date", schema: { default: NOW } },
    edited: { type: "date", schema: { optional: true } },
    meta: { type: "json", schema: { default: { tags: [] } } },
    draft: { type: "boolean", schema: { default: true } },
    score: { type: "number", schema: { default: 7 } },
  },
});
export const DDL = `
  create table Author (id integer primary key, name text not null unique);
  create table Post (_id integer primary key, authorId integer not null references Author(id), title text not null,
    body text, published text not null default CURRENT_TIMESTAMP, edited text, meta text not null, draft integer not null, score integer not null);`;
