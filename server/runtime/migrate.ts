// Applies pending migrations at start-up (`prisma migrate deploy` semantics) and the job queue's
// own schema, so a fresh machine needs no manual step.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { runMigrations } from 'graphile-worker'

const root = path.resolve(__dirname, '..', '..')

export function runPrisma(
  args: string[],
  databaseUrl: string,
  opts: { quiet?: boolean } = {},
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'scripts', 'prisma.mjs'), ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (d) => {
      output += d
      if (!opts.quiet) process.stdout.write(d)
    })
    child.stderr.on('data', (d) => {
      output += d
      if (!opts.quiet) process.stderr.write(d)
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? 1, output }))
  })
}

export async function migrateDatabase(databaseUrl: string, opts: { quiet?: boolean } = {}): Promise<void> {
  const r = await runPrisma(['migrate', 'deploy'], databaseUrl, { quiet: true })
  if (r.code !== 0) throw new Error(`Database migration failed:\n${r.output}`)
  if (!opts.quiet) {
    const applied = r.output.match(/(\d+) migrations? found/)
    process.stdout.write(`[db] migrations applied${applied ? ` (${applied[1]} in prisma/migrations)` : ''}\n`)
  }
  await runMigrations({ connectionString: databaseUrl, logger: quietGraphileLogger() })
}

import { Logger } from 'graphile-worker'
export function quietGraphileLogger(): Logger {
  return new Logger(() => (level: string, message: string) => {
    if (level === 'error' || level === 'warning') process.stderr.write(`[queue] ${level}: ${message}\n`)
  })
}
