// Drives a real browser (Debian's chromium, headless, through playwright-core) at a page served
// from a second origin that calls a Rosetta server; prints what the page shows (one JSON line).
//
//   NODE_PATH=<cache>/node/node_modules node browser.cjs http://127.0.0.1:PORT descriptor-set.bin
"use strict";
const http = require("node:http");
const path = require("node:path");
const { readFileSync } = require("node:fs");
const esbuild = require("esbuild");
const { chromium } = require("playwright-core");

const [server, fdsPath] = process.argv.slice(2);

async function main() {
  const bundle = esbuild.buildSync({
    entryPoints: [path.join(__dirname, "page.js")],
    bundle: true,
    format: "iife",
    target: "es2020",
    write: false,
    nodePaths: (process.env.NODE_PATH || "").split(path.delimiter).filter(Boolean),
    logLevel: "error",
  }).outputFiles[0].text;
  const files = {
    "/": ["text/html", '<!doctype html><meta charset="utf-8"><title>rosetta</title><pre id="results"></pre><script src="/bundle.js"></script>'],
    "/bundle.js": ["text/javascript", bundle],
    "/fds.bin": ["application/octet-stream", readFileSync(fdsPath)],
  };
  // The page's own origin: another port, so every call to the server is cross-origin.
  const site = http.createServer((req, res) => {
    const file = files[new URL(req.url, "http://x").pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": file[0] }).end(file[1]);
  });
  await new Promise((resolve) => site.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${site.address().port}`;
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
  });
  try {
    const page = await browser.newPage();
    const console_ = [];
    page.on("console", (m) => console_.push(m.text()));
    await page.goto(`${origin}/?server=${encodeURIComponent(server)}`);
    await page.waitForFunction(() => document.getElementById("results").textContent !== "", null, {
      timeout: 60000,
    });
    const shown = JSON.parse(await page.textContent("#results"));
    shown.pageOrigin = origin;
    shown.console = console_;
    console.log(JSON.stringify(shown));
  } finally {
    await browser.close();
    site.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
