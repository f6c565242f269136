// checks.mjs — the gates every page a test visits goes through: axe-core in the
// page (0 violations of any impact) and the Nu HTML checker on the HTML the
// server sent (0 errors).  Both come from tests/browser/node_modules (npm ci);
// the checker runs on Debian's Java, once for all pages, since a JVM is slow to start.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const vnuJar = require('vnu-jar');

// axe checks the page as it is now (dialog open or not); evaluate() runs beside
// the page's CSP, so the page needs no script-src for it.
export async function axeViolations(page) {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) =>
      `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
  });
}

// Every HTML document the server sends to a page, by URL, for validateHtml.
export function collectHtml(page, into) {
  page.on('response', async (response) => {
    const type = response.headers()['content-type'] || '';
    if (response.request().resourceType() !== 'document' && !response.url().includes('dialog=1')) return;
    if (!type.startsWith('text/html')) return;
    try {
      const html = await response.text();
      const lang = (html.match(/<html lang="([^"]*)"/) || [])[1] || '?';
      into.set(`${response.url().replace(/[?#].*$/, '')} [${response.status()} ${lang}]`, html);
    } catch { /* a redirect has no body */ }
  });
}

// The Nu checker's errors for every collected page: "url [status lang]: line N: message".
export function validateHtml(pages) {
  const dir = mkdtempSync(path.join(tmpdir(), 'vnu-'));
  const names = new Map();
  try {
    [...pages].forEach(([url, html], i) => {
      const file = path.join(dir, `page${i}.html`);
      writeFileSync(file, html);
      names.set(`file:${file}`, url);
    });
    if (!names.size) return [];
    const run = spawnSync('java', ['-jar', vnuJar, '--errors-only', '--format', 'json', '--exit-zero-always',
      ...[...names.keys()].map((f) => f.slice(5))], { encoding: 'utf8' });
    if (run.error) throw run.error;
    const out = run.stderr;
    // The JSON report goes to stderr.
    return JSON.parse(out || '{"messages":[]}').messages
      .filter((m) => m.type === 'error' || m.subType === 'fatal')
      .map((m) => `${names.get(m.url) || m.url}: line ${m.lastLine}: ${m.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
