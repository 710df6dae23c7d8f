// Build: bundle src/extension.ts (with vscode-languageclient) into dist/extension.js and
// copy the web UI bundle (../web/*) into dist/web/, the panel's only resource root.
//   node esbuild.mjs [--production] [--watch]   the extension
//   node esbuild.mjs --tests                    the unit tests into out/test/ (no VS Code needed)
import * as esbuild from "esbuild";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = new Set(process.argv.slice(2));
const production = args.has("--production");

function copyWebBundle() {
  const from = path.resolve(here, "..", "web");
  const to = path.join(here, "dist", "web");
  fs.rmSync(to, { recursive: true, force: true });
  if (!fs.existsSync(path.join(from, "index.html"))) {
    throw new Error(`The web UI bundle is missing: ${path.join(from, "index.html")} (editor-clients/web/)`);
  }
  fs.cpSync(from, to, {
    recursive: true,
    // Only the files a page loads; no tests or docs of the web bundle, no source map (the
    // .vsix ships none: app.bundle.js's map is for the browser page's devtools).
    filter: (src) => {
      const rel = path.relative(from, src);
      return !/(^|[\\/])(node_modules|test|tests)([\\/]|$)|\.(md|test\.js|map)$/.test(rel) && !path.basename(src).startsWith(".");
    },
  });
}

if (args.has("--tests")) {
  const dir = path.join(here, "src", "test");
  const entryPoints = fs.readdirSync(dir).filter((f) => f.endsWith(".test.ts")).map((f) => path.join(dir, f));
  fs.rmSync(path.join(here, "out", "test"), { recursive: true, force: true });
  await esbuild.build({
    entryPoints,
    outdir: path.join(here, "out", "test"),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    sourcemap: "inline",
    // The tested modules never import vscode at run time; make sure of it.
    external: [],
    logLevel: "warning",
  });
} else {
  const options = {
    entryPoints: [path.join(here, "src", "extension.ts")],
    outfile: path.join(here, "dist", "extension.js"),
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["vscode"],
    minify: production,
    sourcemap: production ? false : "linked",
    logLevel: "warning",
  };
  copyWebBundle();
  if (args.has("--watch")) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
  } else {
    await esbuild.build(options);
  }
}
