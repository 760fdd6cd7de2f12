import type { APIRoute } from "astro";
import { Comment, db, eq } from "astro:db";

export const prerender = false;

export const DELETE: APIRoute = async ({ params }) => {
  const id = Number(params.id);
  if (!Number.isInteger(id)) return new Response("Bad id", { status: 400 });
  const deleted = await db.delete(Comment).where(eq(Comment.id, id)).returning({ id: Comment.id });
  return deleted.length ? new Response(null, { status: 204 }) : new Response("Not found", { status: 404 });
};
