// The same JSON as /join, from memory: what the request costs without the database.
import expected from "../expected.json";

export const prerender = false;

export async function GET({ url }: { url: URL }) {
  const id = Number(url.searchParams.get("id") ?? 1);
  return Response.json(id === expected.joinId ? expected.join : null);
}
