import { column, defineDb, defineTable, NOW } from "astro:db";

// The tables of the Astro DB guide: authors, and comments that reference them.
const Author = defineTable({
  columns: {
    id: column.number({ primaryKey: true }),
    name: column.text(),
  },
});

const Comment = defineTable({
  columns: {
    id: column.number({ primaryKey: true }),
    authorId: column.number({ references: () => Author.columns.id }),
    body: column.text(),
    likes: column.number({ default: 0 }),
    published: column.date({ default: NOW }),
  },
  indexes: [{ on: ["authorId"] }],
});

export default defineDb({
  tables: { Author, Comment },
});
