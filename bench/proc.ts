// Process memory from /proc (Linux), for the bench's memory figures.
import fs from 'node:fs'

/** Peak (VmHWM) and current (VmRSS) resident memory of a process, in MiB; null off Linux. */
export function memoryOf(pid: number): { peak: number; current: number } | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN)
    return { peak: kb('VmHWM') / 1024, current: kb('VmRSS') / 1024 }
  } catch {
    return null
  }
}

/** The three load averages, as /proc/loadavg says them (os.loadavg elsewhere). */
export function loadAverage(): number[] {
  try {
    return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number)
  } catch {
    return []
  }
}
