#!/usr/bin/env node
// Front-end build for rjcase. Plain Node, no bundler.
//
//   npm run build
//
// 1. Cleans static/dist/
// 2. Compiles frontend/scss/application.scss -> static/dist/css/application.css
// 3. Copies vendor JavaScript (+ source maps they reference) -> static/dist/js/
// 4. Copies the images the compiled CSS references -> static/dist/assets/images/
//    and fails if any url() in the CSS would not resolve, or if anything
//    GOV.UK-branded (crown, crest, GDS Transport) slipped in.

import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import * as sass from "sass";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const nodeModules = path.join(root, "node_modules");
const dist = path.join(root, "static", "dist");
const cssOut = path.join(dist, "css", "application.css");

// Vendor JavaScript: [source (relative to node_modules), destination file name]
const vendorJs = [
  // ES module; exports initAll, createAll and the component classes
  ["govuk-frontend/dist/govuk/govuk-frontend.min.js", "govuk-frontend.min.js"],
  // ES module (self-contained); exports initAll and the MOJ component classes
  ["@ministryofjustice/frontend/moj/moj-frontend.min.js", "moj-frontend.min.js"],
  // Classic script; defines window.htmx
  ["htmx.org/dist/htmx.min.js", "htmx.min.js"],
  // UMD; defines window.Chart
  ["chart.js/dist/chart.umd.min.js", "chart.umd.min.js"],
  // Classic script; defines window.axe (used by accessibility checks only)
  ["axe-core/axe.min.js", "axe.min.js"],
];

// Image assets: MOJ Frontend's component icons. GOV.UK Frontend's own images
// (favicons, crest, app icons, opengraph image) all carry the crown, so none
// of them are copied; see frontend/scss/_asset-urls.scss.
const mojImagesDir = "@ministryofjustice/frontend/moj/assets/images";
const forbiddenImage = /crown|crest|logotype|govuk-icon|opengraph|apple-touch/i;

// Our own favicon (a plain "rj" monogram) so browsers don't request a
// GOV.UK one or 404 on /favicon.ico.
const faviconSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="4" fill="#0b0c0c"/>
<text x="16" y="22" font-family="arial, sans-serif" font-size="16" font-weight="700" text-anchor="middle" fill="#ffffff">rj</text>
</svg>
`;

const rel = (p) => path.relative(root, p);

function fail(message) {
  console.error(`build failed: ${message}`);
  process.exit(1);
}

async function copy(from, to) {
  if (!existsSync(from)) fail(`missing ${rel(from)} (run npm ci)`);
  await mkdir(path.dirname(to), { recursive: true });
  await copyFile(from, to);
}

async function clean() {
  await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });
}

// Sass logger: show warnings caused by our own code; count (and hide) those
// raised while loading dependency code (GOV.UK / MOJ Frontend deprecation
// notices that we can't fix). Stack frames are innermost first; a warning
// belongs to a dependency when the innermost frame outside node_modules is
// just the @use that loaded the dependency module.
function makeLogger() {
  const hidden = { count: 0 };
  const inDependency = (frame) => frame.includes("node_modules/");
  return {
    hidden,
    logger: {
      warn(message, { deprecation, span, stack }) {
        const frames = (stack || "").split("\n").map((l) => l.trim()).filter(Boolean);
        const own = frames.findIndex((f) => !inDependency(f));
        const fromDependency =
          frames.length > 0 &&
          (own === -1 || (own > 0 && /\s(@use|@forward|@import)$/.test(frames[own - 1])));
        if (fromDependency) {
          hidden.count += 1;
          return;
        }
        const where = span && span.url ? ` (${rel(fileURLToPath(span.url))}:${span.start.line + 1})` : "";
        console.warn(`${deprecation ? "Deprecation" : "Warning"}${where}: ${message}`);
        if (stack) console.warn(stack);
      },
    },
  };
}

async function buildCss() {
  const { logger, hidden } = makeLogger();
  const result = await sass.compileAsync(path.join(root, "frontend", "scss", "application.scss"), {
    // "node_modules" for `@use "govuk-frontend/..."`; the project root because
    // MOJ Frontend loads GOV.UK Frontend as "node_modules/govuk-frontend/...".
    loadPaths: [nodeModules, root],
    style: "compressed",
    sourceMap: false,
    quietDeps: true,
    logger,
  });
  await mkdir(path.dirname(cssOut), { recursive: true });
  await writeFile(cssOut, result.css + "\n");
  if (hidden.count) console.log(`  (${hidden.count} warnings from dependencies hidden)`);
  return result.css;
}

async function copyJs() {
  const out = [];
  for (const [from, name] of vendorJs) {
    const src = path.join(nodeModules, from);
    const dest = path.join(dist, "js", name);
    await copy(src, dest);
    out.push(dest);
    // Copy the source map if the file references one: Django's
    // ManifestStaticFilesStorage rewrites sourceMappingURL comments and fails
    // collectstatic if the referenced file is missing.
    const tail = (await readFile(src, "utf8")).slice(-300);
    const match = tail.match(/[#@] sourceMappingURL=([^\s'"*]+)/);
    if (match && !match[1].startsWith("data:")) {
      const mapName = path.basename(match[1]);
      if (mapName !== `${name}.map`) fail(`${from} references an unexpected source map ${match[1]}`);
      await copy(path.join(path.dirname(src), match[1]), path.join(dist, "js", mapName));
      out.push(path.join(dist, "js", mapName));
    }
  }
  return out;
}

async function copyImages(css) {
  const imagesOut = path.join(dist, "assets", "images");
  await mkdir(imagesOut, { recursive: true });

  const urls = new Set();
  for (const m of css.matchAll(/url\(\s*(['"]?)([^'")]+)\1\s*\)/g)) urls.add(m[2]);

  const copied = [];
  for (const url of urls) {
    if (url.startsWith("data:")) continue;
    if (!url.startsWith("../assets/images/")) fail(`unexpected url(${url}) in compiled CSS`);
    const file = url.slice("../assets/images/".length);
    if (forbiddenImage.test(file)) fail(`compiled CSS references a GOV.UK-branded image: ${url}`);
    const src = path.join(nodeModules, mojImagesDir, file);
    if (!existsSync(src)) fail(`compiled CSS references ${url}, not found in ${mojImagesDir}`);
    await copy(src, path.join(imagesOut, file));
    copied.push(file);
  }
  await writeFile(path.join(imagesOut, "favicon.svg"), faviconSvg);
  copied.push("favicon.svg");
  return copied.sort();
}

function checkCss(css) {
  if (/GDS Transport/i.test(css)) fail("compiled CSS mentions GDS Transport");
  if (/@font-face/i.test(css)) fail("compiled CSS contains @font-face (fonts are not shipped)");
  if (/url\([^)]*(crown|crest)/i.test(css)) fail("compiled CSS references a crown/crest image");
}

const started = performance.now();
await clean();
const css = await buildCss();
checkCss(css);
const js = await copyJs();
const images = await copyImages(css);

console.log(`  ${rel(cssOut)} (${Math.round(css.length / 1024)} KiB)`);
for (const f of js) console.log(`  ${rel(f)}`);
console.log(`  ${rel(path.join(dist, "assets", "images"))}/: ${images.join(", ")}`);
console.log(`built static/dist in ${((performance.now() - started) / 1000).toFixed(1)}s`);
