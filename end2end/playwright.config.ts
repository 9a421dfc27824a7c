import { defineConfig } from '@playwright/test'

// Playwright attaches to service workers and reports their requests. Without it, a page
// opened offline right after the last page of its context closed now and then fails with
// net::ERR_FAILED under Playwright (offline.spec: 3 in 24 runs; with it, 0 in 44), while the
// worker's cache holds the page; the same test with any pause before the page opens passes.
process.env.PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS = '1'

// Each spec starts its own release server (support/server.mjs) on a free loopback port with a
// fresh SQLite file, so tests can restart it. Debian's Chromium; no browser download.
export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  globalTimeout: 15 * 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync']
    },
    trace: 'retain-on-failure'
  }
})
