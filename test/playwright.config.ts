import { defineConfig } from '@playwright/test'

// scripts/test.ts starts the product (embedded PostgreSQL, demo seed, traffic off) and passes BASE_URL.
export default defineConfig({
  testDir: './e2e',
  // Two cores: a test that signs in several users and waits for workers can need over a minute
  // when the machine is busy; a wait for a condition still ends as soon as it holds.
  timeout: 120_000,
  expect: { timeout: 30_000 },
  reporter: 'list',
  workers: 1,
  retries: 0,
  outputDir: '../test-results',
  use: {
    baseURL: process.env.BASE_URL ?? 'http://127.0.0.1:3102',
    browserName: 'chromium',
    headless: true,
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-dev-shm-usage',
      ],
    },
  },
})
