import { defineConfig } from '@playwright/test'
import { E2E_ADMIN, E2E_BASE_URL, E2E_DB, E2E_PORT } from './support/env'

// Debian's chromium, never a downloaded browser. The extra flags keep it from reaching for Google's
// services, which on a machine without internet fail noisily at every start.
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export default defineConfig({
  testDir: './tests',
  // Per port, so runs on different ports (several people, one machine) keep their own traces.
  outputDir: `./artifacts/results-${E2E_PORT}`,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['html', { outputFolder: `./artifacts/report-${E2E_PORT}`, open: 'never' }]],
  use: {
    baseURL: E2E_BASE_URL,
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: '/usr/bin/chromium', args: chromiumArgs },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: {
    // A fresh SQLite file per run: the server migrates and seeds it on start.
    command: `node -e "require('fs').rmSync(process.argv[1],{force:true,recursive:true})" ${JSON.stringify(E2E_DB.dir)} && node ../server/dist/main.js`,
    url: `${E2E_BASE_URL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      PORT: String(E2E_PORT),
      HOST: '127.0.0.1',
      DATABASE_URL: E2E_DB.file,
      MINICONSENT_ADMIN_EMAIL: E2E_ADMIN.email,
      MINICONSENT_ADMIN_PASSWORD: E2E_ADMIN.password,
      LOG_LEVEL: 'warn',
      // The tests play a CDN that tells the server the visitor's country and subdivision; a
      // request without these headers is from an unknown region (the strictest mode).
      REGION_HEADERS: 'x-test-country,x-test-region',
    },
  },
})
