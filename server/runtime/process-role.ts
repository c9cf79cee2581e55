// One role per process for deployments that run N web and M worker processes on one external
// PostgreSQL (`npm run web`, `npm run worker`, `npm run simulators`; README "Production
// deployment"). Unlike `npm start`, a role never starts a database, never generates secrets (every
// process of a deployment must share them, so they come from the environment) and applies
// migrations only when asked (`--migrate` or STOCKTOWER_MIGRATE=on); `npm run db:migrate` is the
// usual step, run once per release before the new processes start.
import { migrateDatabase } from './migrate'

export type ProcessRole = 'web' | 'worker' | 'simulators'

/** What a role needs from the environment before it may start. */
const REQUIRED: Record<ProcessRole, string[]> = {
  web: ['DATABASE_URL', 'NEXTAUTH_SECRET', 'STOCKTOWER_ENCRYPTION_KEY'],
  worker: ['DATABASE_URL', 'STOCKTOWER_ENCRYPTION_KEY'],
  simulators: ['STOCKTOWER_B2B_SIGNING_SECRET'],
}

/** The variables a role lacks (empty when it may start). */
export function missingForRole(role: ProcessRole, env: Record<string, string | undefined>): string[] {
  return REQUIRED[role].filter((name) => !env[name] || env[name]!.trim() === '')
}

/** True when this start should apply migrations first. */
export function wantsMigration(argv: string[], env: Record<string, string | undefined>): boolean {
  return argv.includes('--migrate') || env.STOCKTOWER_MIGRATE === 'on'
}

/**
 * Checks the environment of a role and applies migrations when asked; throws with every missing
 * variable named (a role started half-configured would fail later, less clearly).
 */
export async function prepareRole(
  role: ProcessRole,
  argv: string[],
  env: Record<string, string | undefined> = process.env,
): Promise<void> {
  const missing = missingForRole(role, env)
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(', ')} must be set for the ${role} role (README, Production deployment); \`npm start\` sets them for a single machine`,
    )
  }
  env.NODE_ENV ??= 'production'
  env.NEXT_TELEMETRY_DISABLED ??= '1'
  if (wantsMigration(argv, env)) await migrateDatabase(env.DATABASE_URL!)
}

/** How long a stopping process may finish what it is doing before it gives work back (SIGTERM). */
export function shutdownGraceMs(env: Record<string, string | undefined> = process.env): number {
  const n = Number(env.STOCKTOWER_SHUTDOWN_GRACE_MS ?? 20_000)
  return Number.isFinite(n) && n >= 0 && n <= 600_000 ? n : 20_000
}

/**
 * Starts a role's process the way every `npm run <role>` script does: prepareRole, then `start`
 * (which loads the role's entry point); a failure is printed as one line and exits 1.
 */
export function startRole(role: ProcessRole, label: string, start: () => Promise<unknown>): void {
  prepareRole(role, process.argv.slice(2))
    .then(start)
    .catch((e) => {
      console.error(`[${label}] could not start: ${e instanceof Error ? e.message : String(e)}`)
      process.exit(1)
    })
}
