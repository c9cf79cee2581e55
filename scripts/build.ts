// Builds the Next.js app only when its inputs changed since the last build (a restart with
// nothing changed skips it). The stamp is a hash of the files the build reads.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { spawn } from 'node:child_process'

const root = path.resolve(__dirname, '..')
const INPUTS = [
  'app',
  'components',
  'server',
  'public',
  'next.config.js',
  'tsconfig.json',
  'package-lock.json',
  'prisma/schema.prisma',
]
const SKIP = new Set(['node_modules', '.next', '.stocktower'])

function walk(p: string, out: string[]) {
  if (!fs.existsSync(p)) return
  const st = fs.statSync(p)
  if (st.isDirectory()) {
    for (const e of fs.readdirSync(p).sort()) if (!SKIP.has(e)) walk(path.join(p, e), out)
  } else out.push(p)
}

export function sourceHash(): string {
  const files: string[] = []
  for (const i of INPUTS) walk(path.join(root, i), files)
  const h = crypto.createHash('sha256')
  for (const f of files) {
    h.update(path.relative(root, f))
    h.update(fs.readFileSync(f))
  }
  return h.digest('hex')
}

export function distDir(): string {
  return path.join(root, process.env.STOCKTOWER_DIST_DIR || '.next')
}

export async function buildIfChanged(
  opts: { log?: (l: string) => void } = {},
): Promise<{ built: boolean; ms: number }> {
  const log = opts.log ?? ((l: string) => console.log(l))
  const started = Date.now()
  const hash = sourceHash()
  const stamp = path.join(distDir(), 'stocktower-build-hash')
  if (
    fs.existsSync(stamp) &&
    fs.readFileSync(stamp, 'utf8') === hash &&
    fs.existsSync(path.join(distDir(), 'BUILD_ID'))
  ) {
    log('[build] up to date, skipping next build')
    return { built: false, ms: Date.now() - started }
  }
  log('[build] building the web app (next build; a few minutes on a 2-core machine)...')
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (d) => {
      output += d
    })
    child.stderr.on('data', (d) => {
      output += d
    })
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`next build failed (exit ${code}):\n${output.slice(-8000)}`)),
    )
  })
  fs.writeFileSync(stamp, hash)
  log(`[build] done in ${Math.round((Date.now() - started) / 1000)} s`)
  return { built: true, ms: Date.now() - started }
}

if (require.main === module) {
  buildIfChanged().catch((e) => {
    console.error(e.message)
    process.exit(1)
  })
}
