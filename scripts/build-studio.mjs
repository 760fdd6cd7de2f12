// Builds the studio page (js/studio/ui) into dist/studio/ui: type-checked with the DOM
// library, bundled and minified by esbuild (a dependency already) into one script and one
// stylesheet the studio server sends itself: no CDN, nothing fetched at run time.
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";

const root = new URL("../", import.meta.url);
const out = new URL("dist/studio/ui/", root);
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", new URL("js/studio/ui/tsconfig.json", root).pathname], { stdio: "inherit" });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { app: new URL("js/studio/ui/main.ts", root).pathname, "toolbar-app": new URL("js/studio/ui/toolbar-app.ts", root).pathname },
  outdir: out.pathname,
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  legalComments: "none",
  logLevel: "warning",
});
copyFileSync(new URL("js/studio/ui/app.css", root), new URL("app.css", out));
console.log(`studio page: ${statSync(new URL("app.js", out)).size} bytes of script`);
