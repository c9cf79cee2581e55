// The child processes the test, fault and bench harnesses start (the product as `npm start` starts it,
// the bench's web process): starting the product, stopping a child, reading the end of its log.
import fs from 'node:fs'
import path from 'node:path'
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process'

const root = path.resolve(__dirname, '..')

/**
 * The product started exactly as `npm start` starts it (scripts/start.ts, its own embedded database),
 * on 127.0.0.1:`port` with its data in `dataDir`, simulated traffic off, the demo API key `apiKey`;
 * `env` adds to that.
 */
export function startProduct(options: {
  port: number
  dataDir: string
  apiKey: string
  env?: Record<string, string>
  stdio: StdioOptions
}): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(options.port),
    HOST: '127.0.0.1',
    STOCKTOWER_DATA_DIR: options.dataDir,
    STOCKTOWER_TRAFFIC: 'off',
    STOCKTOWER_DEMO_API_KEY: options.apiKey,
    NEXTAUTH_URL: `http://127.0.0.1:${options.port}`,
    ...options.env,
  }
  delete env.DATABASE_URL
  return spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'start.ts')], {
    cwd: root,
    env,
    stdio: options.stdio,
  })
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited (at once if it already has). */
export function stopChild(child: ChildProcess | undefined, graceMs = 15_000): Promise<void> {
  return new Promise((resolve) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return resolve()
    const t = setTimeout(() => {
      child.kill('SIGKILL')
      resolve()
    }, graceMs)
    child.once('exit', () => {
      clearTimeout(t)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/** The last `lines` lines of a log file, to print when something failed. */
export function logTail(file: string, lines: number): string {
  return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n')
}
