// A page of 50 comments, every column.
import { Comment, db } from "astro:db";

export const prerender = false;

export async function GET({ url }: { url: URL }) {
  const offset = Number(url.searchParams.get("offset") ?? 0);
  const rows = await db.select().from(Comment).orderBy(Comment.id).limit(50).offset(offset);
  return Response.json(rows);
}
