#!/usr/bin/env node
// Runs the Prisma CLI the way it works without a binary download (README "Prisma without a native engine"):
// the js engine, CHECKPOINT_DISABLE, and a preload that unrefs the wasm engine's stray 10 s timer.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const preload = path.join(root, 'scripts', 'unref-long-timers.cjs')
const args = process.argv.slice(2)
const env = {
  ...process.env,
  CHECKPOINT_DISABLE: '1',
  PRISMA_HIDE_UPDATE_MESSAGE: '1',
  NODE_OPTIONS: [process.env.NODE_OPTIONS, `--require ${JSON.stringify(preload)}`].filter(Boolean).join(' '),
  // `prisma generate` needs no database but the config reads DATABASE_URL.
  DATABASE_URL: process.env.DATABASE_URL || 'postgresql://unused:unused@127.0.0.1:1/unused',
}
const bin = path.join(root, 'node_modules', 'prisma', 'build', 'index.js')
const r = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit', env, cwd: root })
process.exit(r.status ?? 1)
