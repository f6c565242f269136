// shoot.mjs — screenshots of a running panel's pages, for looking at by hand:
//   node shoot.mjs BASE EMAIL PASSWORD OUT_DIR [WIDTH] [LOCALE] [PATH...]
import { chromium } from 'playwright-core';
import { launchOptions } from './browser.mjs';

const [base, email, password, out, width = '1280', locale = 'en-US', ...paths] = process.argv.slice(2);
const browser = await chromium.launch(launchOptions());
const page = await browser.newPage({ viewport: { width: Number(width), height: 860 }, locale });
await page.goto(`${base}/login`);
await page.locator('input[name=email]').fill(email);
await page.locator('input[type=password]').fill(password);
await page.locator('form button[type=submit]').last().click();
await page.waitForURL(/\/settings\/email$/);
for (const p of paths.length ? paths : ['/settings/email']) {
  await page.goto(`${base}${p}`);
  await page.screenshot({ path: `${out}/${p.replace(/[^a-z0-9]+/gi, '_')}-${width}-${locale}.png`, fullPage: true });
}
await browser.close();
