// The source files below a folder (node_modules and dot-folders skipped), for the checks that read
// the code as text: formatting and the documents it cites.
import fs from 'node:fs'
import path from 'node:path'

export function sourceFiles(dir: string, pattern: RegExp): string[] {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) return e.name === 'node_modules' || e.name.startsWith('.') ? [] : sourceFiles(p, pattern)
    return pattern.test(e.name) ? [p] : []
  })
}
