// Process configuration, parsed once at the boundary. The orchestrator (scripts/start.ts) resolves
// defaults (embedded database, generated secrets) and hands children a complete environment.
import { z } from 'zod'
import path from 'node:path'
import { describeIssues } from './errors'

const onOff = z.enum(['on', 'off'])

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** The address to listen on. Loopback unless set explicitly: exposing Stocktower is a decision (README, Security). */
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  STOCKTOWER_DATA_DIR: z.string().default('./.stocktower'),
  DATABASE_URL: z.string().optional(),
  STOCKTOWER_DEMO: onOff.optional(),
  STOCKTOWER_TRAFFIC: onOff.optional(),
  NEXTAUTH_URL: z.string().optional(),
  NEXTAUTH_SECRET: z.string().optional(),
  STOCKTOWER_ENCRYPTION_KEY: z.string().optional(),
  STOCKTOWER_DEMO_API_KEY: z.string().optional(),
  STOCKTOWER_ADMIN_EMAIL: z.string().optional(),
  STOCKTOWER_ADMIN_PASSWORD: z.string().optional(),
  STOCKTOWER_INBOX_DIR: z.string().optional(),
  STOCKTOWER_INBOX_POLL_MS: z.coerce.number().int().min(100).max(600_000).default(2000),
  STOCKTOWER_RESERVATION_MAX_AGE_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 365)
    .default(72),
  STOCKTOWER_SNAPSHOT_AUTO_CORRECT_UNITS: z.coerce.number().int().min(0).max(1_000_000).default(0),
  STOCKTOWER_ALERT_WEBHOOK_URL: z.string().url().optional(),
  STOCKTOWER_WORKER_DEAD_AFTER_MS: z.coerce.number().int().min(1000).max(3_600_000).default(30_000),
  STOCKTOWER_DEMO_SKUS: z.coerce.number().int().min(10).max(200_000).default(2000),
  STOCKTOWER_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  STOCKTOWER_METRICS_OPEN_PRIVATE: onOff.default('off'),
  /** on: behind a reverse proxy, the client address is the last X-Forwarded-For hop (sign-in throttling per address). */
  STOCKTOWER_TRUST_PROXY: onOff.default('off'),
  STOCKTOWER_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
})

export type Env = z.infer<typeof EnvSchema>

export interface Config {
  port: number
  hostname: string
  dataDir: string
  databaseUrl: string | undefined
  /** True when no DATABASE_URL was given: the product runs its own PostgreSQL. */
  embeddedDatabase: boolean
  demo: boolean
  traffic: boolean
  nextAuthUrl: string
  nextAuthSecret: string | undefined
  encryptionKey: string | undefined
  demoApiKey: string | undefined
  adminEmail: string | undefined
  adminPassword: string | undefined
  inboxDir: string
  /** How often workers look for new files in the inbox. */
  inboxPollMs: number
  /** A channel reservation open longer than this is flagged (channels may override). */
  reservationMaxAgeHours: number
  /** Snapshot variances up to this many units are corrected at once (0: a person decides). */
  snapshotAutoCorrectUnits: number
  /** SLO breaches and recoveries are POSTed here as JSON. */
  alertWebhookUrl: string | undefined
  /** A worker silent this long is dead: its job locks are released. */
  workerDeadAfterMs: number
  /** True when the web server listens only on a loopback address. */
  loopbackOnly: boolean
  demoSkuCount: number
  workerConcurrency: number
  metricsOpenOnPrivate: boolean
  /** The client address comes from the proxy's X-Forwarded-For (last hop) instead of the socket. */
  trustProxy: boolean
  logLevel: Env['STOCKTOWER_LOG_LEVEL']
}

export function readConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(source)
  if (!parsed.success) {
    const problems = describeIssues(parsed.error.issues)
    throw new Error(`Invalid environment: ${problems}`)
  }
  const env = parsed.data
  const dataDir = path.resolve(env.STOCKTOWER_DATA_DIR)
  const embeddedDatabase = !env.DATABASE_URL
  // Demo mode defaults on with the embedded database, off with a user's database.
  const demo = (env.STOCKTOWER_DEMO ?? (embeddedDatabase ? 'on' : 'off')) === 'on'
  const traffic = demo && (env.STOCKTOWER_TRAFFIC ?? 'on') === 'on'
  return {
    port: env.PORT,
    hostname: env.HOST,
    dataDir,
    databaseUrl: env.DATABASE_URL,
    embeddedDatabase,
    demo,
    traffic,
    nextAuthUrl: env.NEXTAUTH_URL ?? `http://localhost:${env.PORT}`,
    nextAuthSecret: env.NEXTAUTH_SECRET,
    encryptionKey: env.STOCKTOWER_ENCRYPTION_KEY,
    demoApiKey: env.STOCKTOWER_DEMO_API_KEY,
    adminEmail: env.STOCKTOWER_ADMIN_EMAIL,
    adminPassword: env.STOCKTOWER_ADMIN_PASSWORD,
    inboxDir: path.resolve(env.STOCKTOWER_INBOX_DIR ?? path.join(dataDir, 'inbox')),
    inboxPollMs: env.STOCKTOWER_INBOX_POLL_MS,
    workerDeadAfterMs: env.STOCKTOWER_WORKER_DEAD_AFTER_MS,
    alertWebhookUrl: env.STOCKTOWER_ALERT_WEBHOOK_URL,
    snapshotAutoCorrectUnits: env.STOCKTOWER_SNAPSHOT_AUTO_CORRECT_UNITS,
    reservationMaxAgeHours: env.STOCKTOWER_RESERVATION_MAX_AGE_HOURS,
    loopbackOnly: isLoopback(env.HOST),
    demoSkuCount: env.STOCKTOWER_DEMO_SKUS,
    workerConcurrency: env.STOCKTOWER_WORKER_CONCURRENCY,
    metricsOpenOnPrivate: env.STOCKTOWER_METRICS_OPEN_PRIVATE === 'on',
    trustProxy: env.STOCKTOWER_TRUST_PROXY === 'on',
    logLevel: env.STOCKTOWER_LOG_LEVEL,
  }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

let cached: Config | undefined
/** The configuration of this process (children get a fully resolved environment). */
export function config(): Config {
  cached ??= readConfig()
  return cached
}
