// The web app the bench measures runs from a snapshot of the working tree, built into the snapshot's
// own `.next`, never from the repository's `.next`:
// - other engineers' `npm test` serves and rebuilds the repository's `.next` at any moment; a bench
//   building or serving from it would break their browser tests (and theirs would break ours);
// - the snapshot freezes the code for the whole run, so what is measured is what was on disk at start.
// Turbopack refuses a `node_modules` symlinked from outside the project root, so the snapshot's
// `node_modules` is a hard-link copy (`cp -al`: same file system, no extra space, under a second).
// The snapshot persists between runs (in the OS temp folder) and scripts/build.ts skips `next build`
// when its inputs did not change, so only the first run, or a run after a code change, builds.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn, spawnSync } from 'node:child_process'

const repoRoot = path.resolve(__dirname, '..')
/** Never copied: dependencies (linked instead), build outputs, data folders, VCS, the tests and the bench (the web process needs neither). */
const SKIP_TOP = new Set([
  'node_modules',
  '.next',
  '.git',
  'test',
  'test-results',
  'playwright-report',
  'bench',
  'tsconfig.tsbuildinfo',
])

export function snapshotDir(profile = false): string {
  const base = path.resolve(process.env.STOCKTOWER_BENCH_APP_DIR || path.join(os.tmpdir(), 'stocktower-bench-app'))
  return profile ? `${base}-profile` : base
}

function skipped(name: string): boolean {
  return SKIP_TOP.has(name) || name === '.stocktower' || name.startsWith('.stocktower-') || name.startsWith('.next-')
}

/** Mirrors the working tree into `dir` (everything but node_modules and `.next`, which holds the build cache). */
function copySources(dir: string): void {
  fs.mkdirSync(dir, { recursive: true })
  for (const e of fs.readdirSync(dir)) {
    if (e === 'node_modules' || e === '.next') continue
    fs.rmSync(path.join(dir, e), { recursive: true, force: true })
  }
  for (const e of fs.readdirSync(repoRoot)) {
    if (skipped(e)) continue
    fs.cpSync(path.join(repoRoot, e), path.join(dir, e), {
      recursive: true,
      dereference: false,
      preserveTimestamps: true,
    })
  }
  // The bench measures the running code; type-checking is `tsc` and `npm test`'s job. In a shared
  // working tree someone's half-typed file elsewhere must not stop a benchmark, so the snapshot's
  // build skips Next's type check (the snapshot's copy of next.config.js only).
  const config = path.join(dir, 'next.config.js')
  if (fs.existsSync(config))
    fs.writeFileSync(
      config,
      fs.readFileSync(config, 'utf8').replace('ignoreBuildErrors: false', 'ignoreBuildErrors: true'),
    )
}

/** Hard-links the repository's node_modules into the snapshot (re-linked every run: a reinstall is picked up). */
function linkNodeModules(dir: string, log: (l: string) => void): void {
  const target = path.join(dir, 'node_modules')
  fs.rmSync(target, { recursive: true, force: true })
  const r = spawnSync('cp', ['-al', path.join(repoRoot, 'node_modules'), target], { encoding: 'utf8' })
  if (r.status === 0) return
  log(
    `[bench] hard-linking node_modules failed (${(r.stderr || '').trim().split('\n')[0]}); copying it instead (slow, once per run)`,
  )
  fs.rmSync(target, { recursive: true, force: true })
  const c = spawnSync('cp', ['-a', path.join(repoRoot, 'node_modules'), target], { encoding: 'utf8' })
  if (c.status !== 0) throw new Error(`could not copy node_modules into ${dir}: ${c.stderr}`)
}

function run(dir: string, args: string[]): Promise<{ code: number; output: string }> {
  const output: string[] = []
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: dir,
      env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', STOCKTOWER_DIST_DIR: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout.on('data', (d) => output.push(String(d)))
    child.stderr.on('data', (d) => output.push(String(d)))
    child.on('error', reject)
    child.on('close', (c) => resolve({ code: c ?? 1, output: output.join('') }))
  })
}

/**
 * Snapshot + `next build` when changed (scripts/build.ts decides). Returns the directory to run
 * `web-server.ts` from. `profile`: a separate snapshot built with `next build --no-mangling`, so a
 * CPU profile of the web process shows the server code's own function names.
 */
export async function prepareAppSnapshot(
  log: (l: string) => void,
  opts: { profile?: boolean } = {},
): Promise<{ dir: string; built: boolean; ms: number }> {
  const started = Date.now()
  const dir = snapshotDir(opts.profile)
  copySources(dir)
  linkNodeModules(dir, log)
  let r: { code: number; output: string }
  let built = true
  if (opts.profile) {
    const stamp = path.join(dir, '.next', 'stocktower-bench-no-mangling-hash')
    const hash = (
      await run(dir, ['--import', 'tsx', '-e', "process.stdout.write(require('./scripts/build.ts').sourceHash())"])
    ).output.trim()
    if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) {
      r = { code: 0, output: '' }
      built = false
    } else {
      r = await run(dir, [path.join(dir, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build', '--no-mangling'])
      if (r.code === 0 && hash) fs.writeFileSync(stamp, hash)
    }
  } else {
    r = await run(dir, ['--import', 'tsx', path.join(dir, 'scripts', 'build.ts')])
    built = !/up to date/.test(r.output)
  }
  if (r.code !== 0)
    throw new Error(`next build of the bench snapshot failed (exit ${r.code}):\n${r.output.slice(-6000)}`)
  return { dir, built, ms: Date.now() - started }
}
