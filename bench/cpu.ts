// CPU time of processes, from /proc (Linux): how much of the machine a scenario used, so runs on a
// busy shared machine can still be compared per event. Null where /proc is not available.
import fs from 'node:fs'
import path from 'node:path'

const TICKS_PER_SECOND = 100

function statOf(pid: number): string[] | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces: fields after it start behind the last ')'.
    return s.slice(s.lastIndexOf(')') + 2).split(' ')
  } catch {
    return null
  }
}

/** User + system CPU seconds of one process (its own threads; `withChildren` adds exited, waited-for children). */
export function cpuSeconds(pid: number, withChildren = false): number | null {
  const f = statOf(pid)
  if (!f) return null
  // After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
  const own = Number(f[11]) + Number(f[12])
  const children = withChildren ? Number(f[13]) + Number(f[14]) : 0
  return (own + children) / TICKS_PER_SECOND
}

/** CPU seconds of a PostgreSQL cluster: the postmaster, its live children, and children that exited. */
export function postgresCpuSeconds(dataDir: string): number | null {
  let postmaster: number
  try {
    postmaster = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
  } catch {
    return null
  }
  let total = cpuSeconds(postmaster, true)
  if (total === null) return null
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue
    const f = statOf(Number(e))
    if (f && Number(f[1]) === postmaster) total += (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND
  }
  return total
}
