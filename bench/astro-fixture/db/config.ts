import { column, defineDb, defineTable, NOW } from "astro:db";

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
    edited: column.date({ optional: true }),
    meta: column.json({ default: {} }),
    flagged: column.boolean({ default: false }),
    note: column.text({ optional: true }),
  },
});

export default defineDb({ tables: { Author, Comment } });
