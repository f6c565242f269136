// run.mjs — what a person sees and does in a real browser (Debian's chromium,
// driven by playwright-core), against a running panel:
//   node run.mjs BASE_URL EMAIL PASSWORD SHOTS_DIR
// Prints "ok N - name" / "not ok N - name" and exits 1 if anything failed.
import { chromium } from 'playwright-core';
import { launchOptions } from './browser.mjs';
import { axeViolations, collectHtml, validateHtml } from './checks.mjs';
import { peopleTests } from './people.mjs';

const [base, email, password, shots] = process.argv.slice(2);
const browser = await chromium.launch(launchOptions());
const results = [];
const served = new Map(); // every HTML page the server sent, for the Nu checker
const MOBILE_WIDTH = 390;
const MOBILE = { width: MOBILE_WIDTH, height: 844 };

// A fresh browser per test, watching for console errors and CSP violations.
async function withPage(options, fn) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...options });
  context.setDefaultTimeout(15000);
  const page = await context.newPage();
  collectHtml(page, served);
  const problems = [];
  page.on('console', (m) => {
    // The one page a test asks for to see the 404 answer says so in the console too.
    if (m.type() === 'error' && !page.url().endsWith('/no/such/page')) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  try {
    await fn(page);
    if (problems.length) throw new Error(`console errors: ${problems.join(' | ')}`);
  } finally {
    await context.close();
  }
}

async function signIn(page) {
  await page.goto(`${base}/login`);
  await page.getByLabel(/^(Email|E-mail)$/).fill(email);
  await page.getByLabel(/^(Password|Mot de passe)$/).fill(password);
  await page.getByRole('button', { name: /^(Sign in|Se connecter)$/ }).click();
  await page.waitForURL(/\/settings\/email$/);
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

// What a test shows: a screenshot in SHOTS, and the page through axe.
// A page without JavaScript cannot run axe (the sweep checks the same pages with it).
async function look(page, name, { axe = true } = {}) {
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
  if (axe) await accessible(page, name);
}

// axe-core on the page as it is now: any violation, of any impact, fails the test.
async function accessible(page, where) {
  const found = await axeViolations(page);
  expect(found.length === 0, `axe on ${where || page.url()}:\n${found.join('\n')}`);
}

// T_ONLY=REGEX runs only the tests whose names match (as in the integration tests).
const only = process.env.T_ONLY ? new RegExp(process.env.T_ONLY) : null;

async function test(name, fn) {
  if (only && !only.test(name)) return;
  try {
    await fn();
    results.push(true);
    console.log(`ok ${results.length} - ${name}`);
  } catch (e) {
    results.push(false);
    console.log(`not ok ${results.length} - ${name}`);
    console.log(`#   ${String(e.message).split('\n').join('\n#   ')}`);
  }
}

await test('sign_in_form_leads_to_the_email_page', () => withPage({}, async (page) => {
  await signIn(page);
  const heading = await page.getByRole('heading', { level: 1 }).textContent();
  expect(heading.trim() === 'Email', `heading is "${heading}"`);
  expect(await page.getByText('Settings › General › Email').isVisible(), 'no breadcrumb');
  await look(page, 'email');
}));

// Every page a signed-in person can reach, in both languages and at both widths,
// through axe (and, at the end, the Nu checker).  Nothing is changed here.
for (const [locale, lang] of [['en-US', 'en'], ['fr-FR', 'fr']]) {
  for (const viewport of [{ width: 1280, height: 860 }, MOBILE]) {
    const size = viewport.width;
    await test(`every_page_passes_axe_${lang}_${size}px`, () => withPage({ locale, viewport }, async (page) => {
      await page.goto(`${base}/login`);
      await look(page, `login-${lang}-${size}`);
      await signIn(page);
      const confirmations = await page.locator('td.actions a[href$="/disable"], td.actions a[href$="/remove"]')
        .evaluateAll((links) => links.map((a) => a.getAttribute('href')));
      await page.goto(`${base}/settings/email/connect`);
      const providers = await page.locator('a.provider-card')
        .evaluateAll((links) => links.map((a) => a.getAttribute('href')));
      await page.goto(`${base}/inbox`);
      const channelPages = await page.locator('a[href$="/settings/channels"]')
        .evaluateAll((links) => [...new Set(links.map((a) => a.getAttribute('href')))]);
      expect(channelPages.length > 0, 'no conversation inbox to look at');
      await page.goto(`${base}${channelPages[0]}`);
      const channelConfirmations = await page.locator('a[href$="/delete"]')
        .evaluateAll((links) => links.map((a) => a.getAttribute('href')));
      const pages = ['/settings/email', '/settings/email/connect', ...providers, '/admin/audit',
        '/no/such/page', ...confirmations, '/inbox', ...channelPages, ...channelConfirmations,
        '/admin/connections', '/notifications'];
      for (const url of pages) {
        await page.goto(url.startsWith('http') ? url : `${base}${url}`);
        const name = url.replace(/^\/|\/$/g, '').replace(/[^a-z0-9]+/gi, '-');
        await look(page, `${name}-${lang}-${size}`);
        // A phone scrolls down, never sideways: long labels and links wrap.
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(wide <= size, `${url} is ${wide} px wide at ${size} px`);
      }
    }));
  }
}

// At 390 px: nothing wider than the screen, the side menu a row of tabs, and each
// inbox a card whose cells say what they are, in the reader's language.
for (const [locale, words] of [['en-US', ['State', 'Connected since']], ['fr-FR', ['État', 'Connectée depuis le']]]) {
  await test(`a_phone_gets_cards_and_tabs_${locale}`, () => withPage({ locale, viewport: MOBILE }, async (page) => {
    await signIn(page);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(wide <= MOBILE_WIDTH, `the page is ${wide} px wide`);
    const menu = await page.locator('nav.sidemenu').boundingBox();
    expect(menu.height < 80, `the side menu is ${menu.height} px tall, not a row of tabs`);
    const row = page.locator('tr', { hasText: 'admin.archive@gmail.com' });
    const labels = await row.locator('td[data-label]').evaluateAll((cells) =>
      cells.map((td) => getComputedStyle(td, '::before').content.replace(/^"|"$/g, '')));
    for (const word of words) expect(labels.includes(word), `no "${word}" label on the card: ${labels}`);
    await look(page, `mobile-${locale}`);
  }));
}

await test('a_wrong_password_is_said_plainly', () => withPage({}, async (page) => {
  await page.goto(`${base}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('alert');
  expect((await alert.textContent()).includes('do not match an account'), 'no clear message');
  await look(page, 'login-failed');
}));

// With a script, a confirmation opens over the list; Escape and Cancel give the
// focus back to the link; the POST and its 303 are the page's own.
await test('disable_through_its_dialog_greys_the_row', () => withPage({}, async (page) => {
  await signIn(page);
  const row = page.locator('tr', { hasText: 'sales@example.com' });
  const link = row.getByRole('link', { name: 'Disable sales@example.com' });
  await link.click();
  const dialog = page.getByRole('dialog', { name: 'Disable sales@example.com?' });
  await dialog.waitFor();
  expect(page.url().endsWith('/settings/email'), `the link left the list for ${page.url()}`);
  await look(page, 'dialog-disable');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  expect(await link.evaluate((a) => a === document.activeElement), 'Escape did not give the focus back to the link');
  await link.click();
  await dialog.getByRole('button', { name: 'Yes, disable it' }).click();
  await page.waitForURL(/\/settings\/email$/);
  const flash = page.getByRole('status').filter({ hasText: 'sales@example.com is disabled. Your inbox is greyed out' });
  await flash.waitFor();
  expect(await row.getAttribute('class') === 'state-disabled', 'the row is not greyed out');
  expect((await row.textContent()).includes('Nothing is synced or sent.'), 'the row does not say so');
  const mark = await row.locator('.mark').evaluate((el) => getComputedStyle(el).filter);
  expect(mark.includes('grayscale'), `the row's mark is not greyed (filter ${mark})`);
  await look(page, 'after-disable');
  await page.getByRole('link', { name: 'Dismiss this message' }).click();
  await flash.waitFor({ state: 'detached' });
  expect(page.url().endsWith('/settings/email'), 'dismissing left the page');
}));

await test('remove_through_its_dialog_shows_the_revocation', () => withPage({}, async (page) => {
  await signIn(page);
  const row = page.locator('tr', { hasText: 'sales@example.com' });
  const link = row.getByRole('link', { name: 'Remove sales@example.com' });
  await link.click();
  const dialog = page.getByRole('dialog', { name: 'Remove sales@example.com?' });
  await dialog.waitFor();
  expect(await dialog.getByText('It then asks Google to revoke that access').isVisible(), 'no revocation sentence');
  await look(page, 'dialog-remove');
  await dialog.getByRole('link', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  expect(await link.evaluate((a) => a === document.activeElement), 'Cancel did not give the focus back to the link');
  await link.click();
  await dialog.getByRole('button', { name: 'Yes, remove inbox' }).click();
  await page.waitForURL(/\/settings\/email$/);
  await page.getByRole('status').filter({ hasText: 'sales@example.com was removed' }).waitFor();
  const removed = page.locator('.removed-item', { hasText: 'sales@example.com' });
  expect(await removed.isVisible(), 'the inbox is not under Recently removed');
  await look(page, 'after-remove');
}));

// Without a script every flow goes through the confirmation pages.
await test('without_javascript_disable_and_remove_go_through_their_pages', () => withPage({ javaScriptEnabled: false }, async (page) => {
  await signIn(page);
  const row = page.locator('tr', { hasText: 'support@example.org' });
  await row.getByRole('link', { name: 'Disable support@example.org' }).click();
  await page.waitForURL(/\/disable$/);
  expect(await page.getByRole('heading', { name: 'Disable support@example.org?' }).isVisible(),
    'the confirmation does not name the mailbox');
  await look(page, 'nojs-confirm-disable', { axe: false });
  await page.getByRole('button', { name: 'Yes, disable it' }).click();
  await page.waitForURL(/\/settings\/email$/);
  const flash = page.getByRole('status').filter({ hasText: 'support@example.org is disabled.' });
  expect(await flash.isVisible(), 'no flash naming the inbox');
  await page.getByRole('link', { name: 'Dismiss this message' }).click();
  await page.waitForURL(/\/settings\/email$/);
  expect(await page.locator('.flash').count() === 0, 'the flash is still there after dismissing it');
  await row.getByRole('link', { name: 'Remove support@example.org' }).click();
  await page.waitForURL(/\/remove$/);
  await look(page, 'nojs-confirm-remove', { axe: false });
  await page.getByRole('button', { name: 'Yes, remove inbox' }).click();
  await page.waitForURL(/\/settings\/email$/);
  expect(await page.getByRole('status').filter({ hasText: 'support@example.org was removed' }).isVisible(),
    'no flash after removing');
  expect(await page.locator('.removed-item', { hasText: 'support@example.org' }).isVisible(), 'not under Recently removed');
}));

await test('every_action_is_reachable_by_keyboard_with_visible_focus', () => withPage({}, async (page) => {
  await signIn(page);
  const wanted = await page.locator('td.actions a, td.actions button').count();
  let reached = 0;
  for (let i = 0; i < 60 && reached < wanted; i++) {
    await page.keyboard.press('Tab');
    const info = await page.evaluate(() => {
      const el = document.activeElement;
      return { inActions: !!el.closest('td.actions'), shadow: getComputedStyle(el).boxShadow };
    });
    if (info.inActions) {
      reached++;
      expect(info.shadow && info.shadow !== 'none', 'an action has no visible focus ring');
    }
  }
  expect(reached === wanted && wanted > 0, `reached ${reached} of ${wanted} actions by Tab`);
}));

await test('a_french_browser_gets_the_french_page', () => withPage({ locale: 'fr-FR' }, async (page) => {
  await signIn(page);
  expect(await page.getByText('Paramètres › Général › E-mail').isVisible(), 'not in French');
  expect(await page.locator('html').getAttribute('lang') === 'fr', 'html lang is not fr');
  await look(page, 'email-fr');
}));

await test('the_audit_log_shows_what_was_done', () => withPage({}, async (page) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Audit log' }).click();
  const table = page.locator('table.audit');
  expect((await table.textContent()).includes('email.remove'), 'the removal is not in the log');
  const row = table.locator('tr', { hasText: 'Inbox removed' }).filter({ hasText: 'sales@example.com' }).first();
  expect(await row.count() === 1, 'the removal does not name the mailbox');
  // The server writes UTC and says so; the script shows the reader's local time.
  const time = row.locator('time');
  expect(/Z$/.test(await time.getAttribute('datetime')), 'the time element is not in UTC');
  expect(!(await time.textContent()).includes('UTC'), 'the time was not turned into local time');
  await look(page, 'audit');
}));

// The store of the stack t_browser.sh started (lib.sh exports T_DIR): the test
// plays the worker's part on a revocation, and gives a demo person a password.
const { spawnSync } = await import('node:child_process');
const { randomBytes, scryptSync } = await import('node:crypto');
function store(sql) {
  expect(process.env.T_DIR, 'T_DIR is not set: run this through t_browser.sh');
  const run = spawnSync('sqlite3', ['-batch', '-noheader', '-cmd', '.timeout 5000',
    `${process.env.T_DIR}/inboxpanel.db`, sql], { encoding: 'utf8' });
  expect(run.status === 0, `sqlite3: ${run.stderr}`);
  return run.stdout.trim();
}

// A hash the panel accepts (scrypt's lowest parameters, as tests/integration/lib.sh makes).
function passwordHash(password) {
  const salt = randomBytes(12).toString('base64');
  const key = scryptSync(password, Buffer.from(salt), 32, { N: 1024, r: 8, p: 1 });
  return `$scrypt$ln=10,r=8,p=1$${Buffer.from(salt).toString('base64')}$${key.toString('base64')}`;
}

async function signInAs(page, who, secret) {
  await page.goto(`${base}/login`);
  await page.getByLabel(/^(Email|E-mail)$/).fill(who);
  await page.getByLabel(/^(Password|Mot de passe)$/).fill(secret);
  await page.getByRole('button', { name: /^(Sign in|Se connecter)$/ }).click();
  await page.waitForURL(/\/settings\/email$/);
}

async function bellCount(page) {
  const count = page.locator('a.bell .bell-count');
  return (await count.count()) ? Number(await count.textContent()) : 0;
}

// The card of an inbox removed above follows its revocation without a reload:
// its tries, then its end, come from the status endpoint the script polls.
await test('a_removed_card_follows_its_revocation_until_done', () => withPage({}, async (page) => {
  const id = store("SELECT id FROM email_connections WHERE address = 'sales@example.com' AND state = 'removed'");
  expect(id, 'sales@example.com was not removed by the tests above');
  store(`UPDATE outbox_jobs SET state = 'pending', attempts = 0, next_attempt_at = unixepoch() + 600 WHERE connection_id = ${id}`);
  await signIn(page);
  const card = page.locator(`#removed-${id}`);
  expect((await card.locator('.badge').textContent()).trim() === 'Removing', 'the card is not Removing');
  expect(!(await card.textContent()).includes('Removed'), 'the pending card says Removed too');
  expect((await card.locator('[data-progress="attempts"]').textContent()).trim() === '0', 'no tries yet should read 0');
  await look(page, 'revocation-pending');
  await page.evaluate(() => { window.stillThisPage = true; });
  // A first try failed: the card counts it.
  store(`UPDATE outbox_jobs SET attempts = 1, next_attempt_at = unixepoch() + 120 WHERE connection_id = ${id}`);
  await page.locator(`#removed-${id} [data-progress="attempts"]`, { hasText: '1' }).waitFor({ timeout: 20000 });
  // The worker is done: the card says so, as the page would after a reload.
  store(`UPDATE outbox_jobs SET state = 'done', sealed_token = NULL, updated_at = unixepoch() WHERE connection_id = ${id}`);
  await page.locator(`#removed-${id}.revocation-done`).waitFor({ timeout: 30000 });
  const done = page.locator(`#removed-${id}`);
  expect((await done.textContent()).includes('Access removed at Google.'), 'the done card does not say so');
  expect((await done.locator('.badge').textContent()).trim() === 'Removed', 'the done card is not Removed');
  expect(await page.evaluate(() => window.stillThisPage === true), 'the page was reloaded');
  await look(page, 'revocation-done');
}));

// The steps left by hand are a list with the provider's page, open, and a Done
// the panel remembers.
await test('manual_steps_link_to_the_provider_and_done_is_remembered', () => withPage({}, async (page) => {
  await signIn(page);
  const card = page.locator('.removed-item', { hasText: 'first.try@hotmail.com' });
  expect(await card.locator('details.steps').evaluate((d) => d.open), 'the steps are not open');
  const link = card.getByRole('link', { name: 'account.live.com/consent/Manage' });
  expect(await link.getAttribute('href') === 'https://account.live.com/consent/Manage', 'no link to the consent page');
  await look(page, 'manual-steps');
  await card.getByRole('button', { name: /^Done: I removed the access/ }).click();
  await page.waitForURL(/\/settings\/email$/);
  const after = page.locator('.removed-item', { hasText: 'first.try@hotmail.com' });
  expect((await after.textContent()).includes('did these steps on'), 'Done is not remembered');
  expect(await after.getByRole('button', { name: /Done/ }).count() === 0, 'Done is still offered');
}));

// Rule 6 in the browser: a super admin deletes a team channel of the demo, and
// the bell of another person told about it (Sofia, a super admin too) counts one more.
await test('deleting_a_team_channel_rings_another_admins_bell', async () => {
  const other = 'sofia@example.com';
  const secret = 'a browser test password';
  store(`UPDATE users SET password_hash = '${passwordHash(secret)}' WHERE email = '${other}'`);
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  try {
    const sofia = await context.newPage();
    collectHtml(sofia, served);
    await signInAs(sofia, other, secret);
    const before = await bellCount(sofia);
    await withPage({}, async (page) => {
      await signIn(page);
      const inbox = store("SELECT inbox_id FROM email_connections WHERE address = 'support@acme.example'");
      await page.goto(`${base}/inbox/${inbox}/settings/channels`);
      await look(page, 'channels');
      const row = page.locator('tr', { hasText: 'support@acme.example' });
      await row.getByRole('link', { name: 'Delete support@acme.example' }).click();
      await page.getByRole('button', { name: 'Yes, delete' }).click();
      await page.waitForURL(/\/settings\/channels$/);
      await page.getByRole('status').filter({ hasText: 'support@acme.example was deleted' }).waitFor();
      await look(page, 'channel-deleted');
    });
    await sofia.reload();
    const after = await bellCount(sofia);
    expect(after === before + 1, `Sofia's bell went from ${before} to ${after}`);
    await sofia.locator('a.bell').click();
    expect(await sofia.getByText('support@acme.example').first().isVisible(), 'the notification does not name the address');
    await look(sofia, 'bell-after-delete');
  } finally {
    await context.close();
  }
});

// The demo's promise: Connect › Gmail, allow on the provider's consent page, and
// the inbox is listed.  A real browser holds the redirect to the provider to the
// scopes page's CSP form-action, which curl never does.
await test('connect_gmail_through_the_consent_page', () => withPage({}, async (page) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Connect an inbox' }).first().click();
  await page.getByRole('link', { name: /Gmail/ }).click();
  expect(await page.getByRole('heading', { name: 'What will be requested when you connect your inbox?' }).isVisible(),
    'no scopes page');
  await look(page, 'scopes');
  await page.getByRole('button', { name: 'Continue to Google' }).click();
  await page.getByRole('button', { name: 'Allow' }).waitFor();
  await page.getByLabel('Another address:').fill('browser.test@gmail.example');
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL(/\/settings\/email$/);
  const row = page.locator('tr', { hasText: 'browser.test@gmail.example' });
  expect(await row.isVisible(), 'the new inbox is not listed');
  expect((await row.textContent()).includes('Connected'), 'the new inbox is not connected');
  await look(page, 'connected');
}));

await peopleTests({ test, withPage, signIn, look, expect, base, mobileWidth: MOBILE_WIDTH });

await test('every_page_visited_is_valid_html', async () => {
  const errors = validateHtml(served);
  expect(served.size > (only ? 0 : 10), `only ${served.size} pages collected`);
  expect(errors.length === 0, `the Nu checker on ${served.size} pages:\n${errors.join('\n')}`);
});

await browser.close();
const failed = results.filter((r) => !r).length;
console.log(`# browser: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
