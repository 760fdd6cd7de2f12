// The Astro integration: loads the schema, writes the types, prepares and seeds the local
// database for `astro dev` and `astro build`, and serves `astro:db` to the project.
import type { AstroIntegration, AstroIntegrationLogger } from "astro";
import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { generateTypes } from "../../index.js";
import { astroEnv } from "./env.js";
import { AstroDbError } from "./errors.js";
import { withHint } from "../errors.js";
import { CONFIG_FILE_NAMES, dbDirectory, loadDbSchema, type LoadedSchema } from "./load-config.js";
import { localTarget, prepareDatabase, seedFiles, type Target } from "./prepare.js";
import { LOCAL_DB_KEY } from "./virtual-module.js";
import { scaffoldDbDirectory } from "./scaffold.js";
import { checkWebClient, probeRemote, publishRemote, resolveRemote, wantsRemote, type RemoteConnection } from "./remote.js";
import { vitePluginDb } from "./vite-plugin.js";
import { devStudio, TOOLBAR_APP } from "../studio/dev.js";

export interface AstroDBConfig {
  /** `node` (default) loads the native client; `web` is for runtimes that cannot load native code. */
  mode?: "node" | "web";
}

function checkOptions(options: AstroDBConfig | undefined): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object") throw new AstroDbError("db() options must be an object, e.g. db({ mode: 'node' }).");
  if (options.mode !== undefined && options.mode !== "node" && options.mode !== "web") {
    throw new AstroDbError(`Invalid db() option mode: ${JSON.stringify(options.mode)}. Use "node" or "web".`);
  }
}

export function dbIntegration(options?: AstroDBConfig): AstroIntegration {
  checkOptions(options);
  let root: URL;
  let command: string;
  let schema: LoadedSchema | undefined;
  let target: Target;
  let env: Record<string, string> = {};
  let output: string | undefined;
  // Set by --remote on dev/build: no local database, no reset, no seeding.
  let remote: RemoteConnection | undefined;
  const mode = options?.mode ?? "node";
  let studio: ReturnType<typeof devStudio> | undefined;

  const loaded = (): LoadedSchema => {
    if (!schema) throw new AstroDbError("The database schema is not loaded yet (astro:config:done has not run).");
    return schema;
  };

  async function prepare(logger: AstroIntegrationLogger): Promise<string[]> {
    const outcome = await prepareDatabase(root, loaded(), target);
    for (const m of outcome.messages) logger.info(m);
    return outcome.watched;
  }

  return {
    name: "astro:db",
    hooks: {
      "astro:config:setup": async ({ command: cmd, config, updateConfig, addWatchFile, addDevToolbarApp, logger }) => {
        command = cmd;
        if (command === "preview") return;
        root = config.root;
        remote = undefined;
        if ((command === "dev" || command === "build") && wantsRemote()) {
          env = await astroEnv(root, command === "dev" ? "development" : "production");
          remote = resolveRemote(env, mode, undefined, root);
          if (mode === "web") checkWebClient(root);
          publishRemote(remote);
        }
        if (command === "dev") {
          // Astro restarts itself, re-running every hook, when a watched file changes
          // (Vite's own server.restart() would keep the old schema).
          for (const n of CONFIG_FILE_NAMES) addWatchFile(new URL(n, dbDirectory(root)));
          // Only for projects with no tables from elsewhere: an integration may bring them all.
          const extended = config.integrations.some((i) => typeof (i.hooks as Record<string, unknown>)["astro:db:setup"] === "function");
          const made = extended ? [] : await scaffoldDbDirectory(root);
          if (made.length) logger.info(`Created ${made.join(" and ")} to get you started.`);
          // The database browser is for the local dev database (use `astro-db studio --remote` for a remote).
          if (!remote) addDevToolbarApp(TOOLBAR_APP);
        }
        updateConfig({
          vite: {
            plugins: [
              vitePluginDb({
                tables: () => loaded().tables,
                databasePath: () => target.path,
                astroDatabaseFile: () => env.ASTRO_DATABASE_FILE,
                remote: () =>
                  remote && { mode, url: remote.publicUrl, devToken: command === "dev" ? remote.token : undefined },
              }),
            ],
          },
        });
      },
      "astro:config:done": async ({ config, injectTypes, logger, buildOutput }) => {
        if (command === "preview") return;
        output = buildOutput;
        env = await astroEnv(root, command === "dev" ? "development" : "production");
        target = localTarget(root, env.ASTRO_DATABASE_FILE);
        // `astro:db` in this process opens the file resolved here, from the project root.
        if (!remote) (globalThis as Record<symbol, unknown>)[Symbol.for(LOCAL_DB_KEY)] = target.url;
        schema = await loadDbSchema(root, config.integrations as any);
        for (const w of schema.warnings) logger.warn(w);
        if (remote) {
          const missing = await probeRemote(remote, Object.keys(schema.tables));
          logger.info(`Connected to remote database. (${remote.shown})`);
          if (missing.length) {
            logger.warn(
              `The remote database has no table ${missing.join(", ")}: push the schema with \`npx astro-db push --remote\` (Astro 6: \`astro db push --remote\`).`,
            );
          }
        }
        const types = generateTypes(schema.snapshot);
        const typesFile = injectTypes({ filename: "db.d.ts", content: types });
        if (command === "dev" && typesFile) {
          // Astro writes injected types at startup only, not when the dev server restarts
          // after a config change.
          await mkdir(new URL(".", typesFile), { recursive: true });
          await writeFile(typesFile, types);
        }
      },
      "astro:server:setup": async ({ server, logger, toolbar }) => {
        await studio?.close();
        studio = remote ? undefined : devStudio(root, () => target.path, () => loaded().snapshot);
        studio?.listen(toolbar);
        const configFiles = new Set([
          ...CONFIG_FILE_NAMES.map((n) => fileURLToPath(new URL(n, dbDirectory(root)))),
          ...loaded().dependencies,
        ]);
        let seedInputs = new Set<string>();
        // Runs one after another: two quick saves must not reset the database while the
        // previous run is still seeding it.
        let queue: Promise<void> = Promise.resolve();
        const run = () => (queue = queue.then(prepareOnce));
        const prepareOnce = async () => {
          // A remote database is never reset nor seeded.
          if (remote) return;
          seedInputs = new Set(seedFiles(root, loaded()).map((u) => fileURLToPath(u)));
          try {
            for (const f of await prepare(logger)) seedInputs.add(f);
          } catch (e) {
            // The dev server stays up on an empty database; a fix to the file re-runs this.
            logger.error(withHint(e));
          }
        };
        await run();
        server.watcher.on("all", (_event: string, file: string) => {
          if (configFiles.has(file)) {
            // db/config.* are watch files (Astro restarts); a file they import is announced
            // to Astro as a change of the config file.
            const configFile = loaded().configFile && fileURLToPath(loaded().configFile!);
            if (configFile && file !== configFile) server.watcher.emit("change", configFile);
          } else if (!remote && (seedInputs.has(file) || /[\\/]db[\\/]seed\.(ts|js|mjs|mts)$/.test(file))) {
            void run().then(() => studio?.changed()).then(() => (server as any).environments?.client?.hot?.send?.({ type: "full-reload" }) ?? server.ws.send({ type: "full-reload" }));
          }
        });
      },
      "astro:server:done": async () => {
        await studio?.close();
        studio = undefined;
      },
      "astro:build:start": async ({ logger }) => {
        if (remote) return;
        if (output === "server" && !env.ASTRO_DATABASE_FILE) {
          throw new AstroDbError(
            "Attempting to build without the --remote flag or the ASTRO_DATABASE_FILE environment variable defined. You probably want to pass --remote to astro build.",
            "Set ASTRO_DATABASE_FILE (in the environment or .env) to the database file the server should use, or build against a remote database.",
          );
        }
        await prepare(logger);
      },
    },
  };
}
