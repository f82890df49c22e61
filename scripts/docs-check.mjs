// `npm run docs:check` (after `npm run docs`): opens the generated API reference (docs/api) in a
// real headless Chromium, as a reader would, and checks that it holds one module per package entry
// point (scripts/entries.cjs), that every export's page shows its @example as a code block, and
// that no link on a module page points to a missing page or anchor. Chromium is the Debian package
// (/usr/bin/chromium; CHROMIUM_PATH overrides), driven by playwright-core.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const { entries } = require('./entries.cjs');
const site = resolve(process.argv[2] ?? 'docs/api');
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const problems = [];

/** Opens a page of the site; false (and a problem) when it does not load. */
async function open(page, url) {
  try {
    await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
    return true;
  } catch (err) {
    problems.push(`${url} does not open: ${err.message.split('\n')[0]}`);
    return false;
  }
}

/** The module links of the index page: [{ name, href }]. */
async function modulesOnIndex(page) {
  await open(page, pathToFileURL(join(site, 'index.html')).href);
  return page.$$eval('.col-content a[href*="modules/"]', (links) =>
    [...new Map(links.map((a) => [a.href, { name: a.textContent.trim(), href: a.href }])).values()]);
}

/** The ids of a page, loaded once per page. */
const idsByPage = new Map();
async function idsOf(page, url) {
  if (!idsByPage.has(url)) {
    const ids = (await open(page, url)) ? await page.$$eval('[id]', (els) => els.map((e) => e.id)) : [];
    idsByPage.set(url, new Set(ids));
  }
  return idsByPage.get(url);
}

/** Every link of a module page that stays in the site resolves to a file, and its anchor exists. */
async function checkLinks(page, moduleUrl, links) {
  for (const href of links) {
    const url = new URL(href);
    if (url.protocol !== 'file:') continue;
    const file = fileURLToPath(url);
    if (!existsSync(file)) {
      problems.push(`${moduleUrl}: link to a missing page ${file}`);
      continue;
    }
    const pageUrl = url.href.split('#')[0];
    if (url.hash.length > 1 && !(await idsOf(page, pageUrl)).has(decodeURIComponent(url.hash.slice(1)))) {
      problems.push(`${moduleUrl}: link to a missing anchor ${url.hash} of ${pageUrl}`);
    }
  }
}

/** Each export listed on a module page shows its example as a highlighted code block. */
async function checkExamples(page, moduleName, exportLinks) {
  for (const { name, href } of exportLinks) {
    if (!(await open(page, href))) continue;
    const blocks = await page.$$eval('.tsd-tag-example pre > code', (codes) => codes.filter((c) => c.getClientRects().length > 0 && c.textContent.trim() !== '').length);
    if (blocks === 0) problems.push(`${moduleName}: the page of \`${name}\` shows no example code block`);
  }
}

async function checkModule(page, { name, href }) {
  if (!(await open(page, href))) return 0;
  // Wait for the navigation, which the page's script renders, so its links are checked too.
  await page.waitForSelector('#tsd-nav-container a', { timeout: 10_000 }).catch(() => problems.push(`${name}: the navigation did not render`));
  const links = await page.$$eval('a[href]', (as) => as.map((a) => a.href).filter((h) => h !== '' && !h.endsWith('#')));
  const exportLinks = await page.$$eval('.col-content .tsd-member-summary-name a[href]:not(.tsd-anchor-icon)', (as) =>
    [...new Map(as.map((a) => [a.href, { name: a.textContent.trim(), href: a.href }])).values()]);
  if (exportLinks.length === 0) problems.push(`${name}: the module page lists no exports`);
  await checkLinks(page, href, links);
  await checkExamples(page, name, exportLinks);
  return exportLinks.length;
}

async function main() {
  if (!existsSync(join(site, 'index.html'))) throw new Error(`No API reference at ${site}; run \`npm run docs\` first`);
  const browser = await chromium.launch({ executablePath, headless: true, args: FLAGS });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (err) => problems.push(`${page.url()}: script error ${err.message}`));
    const modules = await modulesOnIndex(page);
    const expected = entries().map((e) => e.specifier).sort();
    const names = modules.map((m) => m.name).sort();
    if (JSON.stringify(names) !== JSON.stringify(expected)) problems.push(`Expected one module per entry point (${expected.join(', ')}), the index lists ${names.join(', ')}`);
    let exported = 0;
    for (const module of modules) exported += await checkModule(page, module);
    const unique = [...new Set(problems)];
    if (unique.length > 0) throw new Error(`The API reference has ${unique.length} problem(s):\n- ${unique.join('\n- ')}`);
    console.log(`docs:check: ${modules.length} modules, ${exported} exports with examples, links resolve (Chromium ${browser.version()})`);
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  console.error(err.message);
  process.exitCode = 1;
});
