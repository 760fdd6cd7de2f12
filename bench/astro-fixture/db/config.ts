import { column, defineDb, defineTable } from "astro:db";

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
  },
});

export default defineDb({ tables: { Author, Comment } });
