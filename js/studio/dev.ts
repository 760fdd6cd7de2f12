// The studio inside `astro dev`: started on first use from the dev toolbar, on the dev
// database the integration prepares, and told when a re-seed changed it.
import { fileURLToPath } from "node:url";
import { SchemaTarget } from "../../index.js";
import { createClient } from "../client/index.js";
import type { StudioContext } from "./api.js";
import { startStudio, type StudioServer } from "./server.js";

export const TOOLBAR_APP = {
  id: "astro-db-studio",
  name: "Astro DB",
  icon: `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.5"><ellipse cx="12" cy="5" rx="8" ry="3"/><path d="M4 5v14c0 1.7 3.6 3 8 3s8-1.3 8-3V5"/><path d="M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3"/></svg>`,
  entrypoint: new URL("./ui/toolbar-app.js", import.meta.url),
};

interface Toolbar {
  on(event: string, cb: (data: unknown) => void): void;
  send(event: string, payload: unknown): void;
}

/** One studio per dev server; `close` when the dev server goes (or restarts). */
export function devStudio(root: URL, path: () => string, snapshot: () => string | undefined) {
  let started: Promise<{ studio: StudioServer; close: () => void }> | undefined;
  const start = async () => {
    const client = createClient({ url: `file:${path()}` });
    const ctx: StudioContext = {
      client,
      shown: path(),
      remote: false,
      writable: true,
      snapshot: snapshot(),
      compare: () => SchemaTarget.local(path()).push(snapshot() ?? "", { apply: false, adoptExisting: true }),
    };
    const studio = await startStudio(ctx, { port: 0, historyFile: fileURLToPath(new URL(".astro/studio-history.json", root)) });
    return { studio, close: () => client.close() };
  };
  return {
    listen(toolbar: Toolbar) {
      toolbar.on("astro-db:studio:open", async () => {
        try {
          started ??= start();
          toolbar.send("astro-db:studio:url", { url: (await started).studio.url });
        } catch (e) {
          started = undefined;
          toolbar.send("astro-db:studio:url", { error: `The database browser did not start: ${(e as Error).message}` });
        }
      });
    },
    changed() {
      void started?.then((s) => s.studio.changed());
    },
    async close() {
      const s = await started?.catch(() => undefined);
      started = undefined;
      if (s) await s.studio.close().finally(s.close);
    },
  };
}
