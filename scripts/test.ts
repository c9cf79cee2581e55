// `npm test`: unit and integration tests (vitest, on a fresh embedded PostgreSQL cluster), then the
// browser tests (Playwright in Debian's Chromium) against the product started exactly as `npm start`
// starts it (embedded database, demo seed, traffic off). Without Chromium it says so in one line
// and skips only the browser tests. Then the fault suite (scripts/test-faults.ts, its fast profile;
// `--no-faults` skips it). Ends with one line: `stocktower: N passed, N failed, N skipped`.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { startEmbeddedPostgres } from '../server/runtime/embedded-postgres'
import { migrateDatabase } from '../server/runtime/migrate'
import { freePort } from '../server/runtime/free-port'
import { buildIfChanged } from './build'
import { logTail, startProduct, stopChild } from './child-process'

const root = path.resolve(__dirname, '..')
const args = new Set(process.argv.slice(2))
/** `npm run test:e2e -- merchandiser`: only the specs whose file matches. */
const specFilters = process.argv.slice(2).filter((a) => !a.startsWith('--'))
const e2eOnly = args.has('--e2e-only')
const skipE2e = args.has('--no-e2e')
const skipFaults = args.has('--no-faults') || e2eOnly

interface Tally {
  passed: number
  failed: number
  skipped: number
}
const tally: Tally = { passed: 0, failed: 0, skipped: 0 }

function findChromium(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    Boolean,
  ) as string[]
  for (const c of candidates) if (fs.existsSync(c)) return c
  const which = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' })
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : null
}

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: root, env, stdio: 'inherit' })
    child.on('close', (code) => resolve(code ?? 1))
  })
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T
  } catch {
    return null
  }
}

interface VitestReport {
  numPassedTests: number
  numFailedTests: number
  numPendingTests: number
  numTodoTests: number
}
interface PlaywrightReport {
  stats: { expected: number; unexpected: number; flaky: number; skipped: number }
}

/**
 * Runs a test runner's CLI (a path under node_modules) with `env` added, and adds what its JSON
 * `report` counts to the tally: one failure when it failed without writing one. Returns its exit code.
 */
async function runReported<Report>(
  cli: string,
  argv: string[],
  env: Record<string, string>,
  report: string,
  count: (report: Report) => Tally,
): Promise<number> {
  const code = await run(process.execPath, [path.join(root, 'node_modules', cli), ...argv], { ...process.env, ...env })
  const counted = readJson<Report>(report)
  if (counted) {
    const c = count(counted)
    tally.passed += c.passed
    tally.failed += c.failed
    tally.skipped += c.skipped
  } else if (code !== 0) tally.failed += 1
  return code
}

async function unitAndIntegration(tmp: string): Promise<number> {
  const pgDir = path.join(tmp, 'pg')
  const pg = await startEmbeddedPostgres({
    dir: pgDir,
    password: 'test',
    database: 'stocktower_template',
    persistent: false,
  })
  try {
    await migrateDatabase(pg.url, { quiet: true })
    const report = path.join(tmp, 'vitest.json')
    return await runReported<VitestReport>(
      'vitest/vitest.mjs',
      ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
      { STOCKTOWER_TEST_PG_ADMIN_URL: pg.urlFor('postgres'), STOCKTOWER_TEST_PG_TEMPLATE_URL: pg.url },
      report,
      (r) => ({ passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests }),
    )
  } finally {
    await pg.stop()
  }
}

async function browser(tmp: string, chromium: string): Promise<number> {
  await buildIfChanged({ log: (l) => console.log(l) })
  const port = await freePort()
  const apiKey = `st_test_${crypto.randomBytes(16).toString('hex')}`
  const dataDir = path.join(tmp, 'app-data')
  fs.mkdirSync(dataDir, { recursive: true })
  fs.chmodSync(tmp, 0o755)
  const logFile = path.join(tmp, 'app.log')
  const out = fs.openSync(logFile, 'a')
  const app = startProduct({ port, dataDir, apiKey, stdio: ['ignore', out, out] })
  const baseUrl = `http://127.0.0.1:${port}`
  try {
    const ready = await waitForHealth(`${baseUrl}/api/health`, 6 * 60_000, app)
    if (!ready) {
      console.error(`[test] the product did not become healthy; last lines of its log:\n${logTail(logFile, 40)}`)
      tally.failed += 1
      return 1
    }
    const report = path.join(tmp, 'playwright.json')
    const code = await runReported<PlaywrightReport>(
      '@playwright/test/cli.js',
      ['test', '-c', 'test/playwright.config.ts', '--reporter=list,json', ...specFilters],
      {
        BASE_URL: baseUrl,
        STOCKTOWER_DEMO_API_KEY: apiKey,
        CHROMIUM_PATH: chromium,
        PLAYWRIGHT_JSON_OUTPUT_NAME: report,
      },
      report,
      ({ stats }) => ({ passed: stats.expected + stats.flaky, failed: stats.unexpected, skipped: stats.skipped }),
    )
    if (code !== 0) console.error(`[test] product log: ${logFile}\n${logTail(logFile, 30)}`)
    return code
  } finally {
    await stopChild(app, 20_000)
  }
}

async function waitForHealth(url: string, timeoutMs: number, app: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (app.exitCode !== null) return false
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(3_000) })
      if (r.status === 200) return true
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 1_000))
  }
  return false
}

async function main() {
  const started = Date.now()
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stocktower-test-'))
  fs.chmodSync(tmp, 0o755)
  let failed = false
  try {
    if (!e2eOnly) failed = (await unitAndIntegration(tmp)) !== 0 || failed
    if (!skipE2e) {
      const chromium = findChromium()
      if (!chromium)
        console.log(
          "[test] Chromium not found (install Debian's chromium, or set CHROMIUM_PATH): skipping the browser tests only.",
        )
      else failed = (await browser(tmp, chromium)) !== 0 || failed
    }
    if (!skipFaults) {
      // Its own product, database and simulators; counted as one test. The build is shared.
      const code = await run(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'test-faults.ts')], {
        ...process.env,
      })
      if (code === 0) tally.passed += 1
      else {
        tally.failed += 1
        failed = true
      }
    }
  } finally {
    if (!process.env.STOCKTOWER_KEEP_TEST_DIR) fs.rmSync(tmp, { recursive: true, force: true })
  }
  console.log(`[test] finished in ${Math.round((Date.now() - started) / 1000)} s`)
  console.log(`stocktower: ${tally.passed} passed, ${tally.failed} failed, ${tally.skipped} skipped`)
  process.exit(failed || tally.failed > 0 ? 1 : 0)
}

main().catch((e) => {
  console.error(e)
  console.log(`stocktower: ${tally.passed} passed, ${tally.failed + 1} failed, ${tally.skipped} skipped`)
  process.exit(1)
})
