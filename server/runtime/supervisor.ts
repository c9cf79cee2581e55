// What `npm start`'s supervisor knows about its parts, shared with /api/health through a small
// JSON file in the data folder (the web process may be the one that just restarted, so the
// supervisor's memory must live outside it).
import fs from 'node:fs'
import path from 'node:path'
import { z } from 'zod'

export const PartStateSchema = z.object({
  state: z.enum(['starting', 'running', 'restarting']),
  restarts: z.number().int().min(0),
  lastExit: z.string().nullable(),
  since: z.string(),
  /** The part's process id while it runs (operators and the fault suite signal it). */
  pid: z.number().int().nullable().optional(),
})
export type PartState = z.infer<typeof PartStateSchema>
export const SupervisorStateSchema = z.object({
  pid: z.number().int(),
  updatedAt: z.string(),
  parts: z.record(z.string(), PartStateSchema),
})
export type SupervisorState = z.infer<typeof SupervisorStateSchema>

const FILE = 'supervisor.json'

/** Backoff before restart number `failures` + 1 of a part that keeps exiting: 1 s, 2 s, 4 s ... 30 s. */
export function restartDelayMs(failures: number): number {
  return Math.min(30_000, 1_000 * 2 ** Math.max(0, Math.min(failures, 5)))
}

export function writeSupervisorState(dataDir: string, state: Omit<SupervisorState, 'updatedAt'>): void {
  const file = path.join(dataDir, FILE)
  const tmp = `${file}.${process.pid}.tmp`
  try {
    fs.writeFileSync(tmp, JSON.stringify({ ...state, updatedAt: new Date().toISOString() }))
    fs.renameSync(tmp, file)
  } catch {
    /* health then says nothing about supervision; never fatal */
  }
}

/** The supervisor's view, or null when there is none (not started by `npm start`, or unreadable). */
export function readSupervisorState(dataDir: string | undefined): SupervisorState | null {
  if (!dataDir) return null
  try {
    const parsed = SupervisorStateSchema.safeParse(
      JSON.parse(fs.readFileSync(/*turbopackIgnore: true*/ path.join(dataDir, FILE), 'utf8')),
    )
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}
