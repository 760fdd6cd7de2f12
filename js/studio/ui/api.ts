// The page's calls to the studio server: every one carries the session token from the URL.
export const token = new URLSearchParams(location.search).get("token") ?? "";

export interface ApiFailure extends Error {
  code?: string;
  column?: string;
  status?: number;
}

export async function api<T = any>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers: { "x-astro-db-studio-token": token, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data: any;
  try {
    data = JSON.parse(text);
  } catch {
    data = { error: { message: text || res.statusText } };
  }
  if (!res.ok) {
    const e = new Error(data.error?.message ?? res.statusText) as ApiFailure;
    e.code = data.error?.code;
    e.column = data.error?.column;
    e.status = res.status;
    throw e;
  }
  return data as T;
}

/** Saves `blob` as a download named `name`. */
export function download(blob: Blob, name: string): void {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** `tag.class#id` with attributes and children: the one DOM helper the page needs. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, unknown> = {},
  ...children: Array<Node | string | null | undefined | false>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v as EventListener);
    else if (k === "class") el.className = String(v);
    else if (k in el && typeof v !== "string") (el as any)[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export function errorText(e: unknown): string {
  const err = e as ApiFailure;
  return err?.code ? `${err.code}: ${err.message.replace(new RegExp(`^${err.code}:\\s*`), "")}` : String(err?.message ?? e);
}
