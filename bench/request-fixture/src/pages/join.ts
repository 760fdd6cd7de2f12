// One comment with its author's name, by primary key: the typical on-demand page query.
import { Author, Comment, db, eq } from "astro:db";

export const prerender = false;

export async function GET({ url }: { url: URL }) {
  const id = Number(url.searchParams.get("id") ?? 1);
  const [row] = await db
    .select({ id: Comment.id, body: Comment.body, likes: Comment.likes, author: Author.name })
    .from(Comment)
    .innerJoin(Author, eq(Comment.authorId, Author.id))
    .where(eq(Comment.id, id));
  return Response.json(row);
}
