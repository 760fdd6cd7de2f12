import { defineAction } from "astro:actions";
import { z } from "astro/zod";
import { Comment, db } from "astro:db";

export const server = {
  addComment: defineAction({
    accept: "form",
    input: z.object({
      authorId: z.coerce.number(),
      body: z.string().min(1),
    }),
    handler: async ({ authorId, body }) => {
      const [comment] = await db.insert(Comment).values({ authorId, body }).returning();
      return comment;
    },
  }),
};
