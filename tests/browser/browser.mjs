// browser.mjs — how the tests start Debian's chromium: headless, no sandbox (CI
// runs as root), and none of the background connections a closed network refuses.
// Playwright gives each launch a fresh profile of its own.
export function launchOptions() {
  return {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  };
}
