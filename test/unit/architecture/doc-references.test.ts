// Product code cites documents a reader of this repository can open: docs/api.md, docs/architecture.md,
// README and the vendored marketplace definitions in test/fixtures/specs. The design documents the
// project started from (CONTRACT.md, ARCHITECTURE.md, STACK.md, ../shared/specs) live outside it,
// so a comment pointing there leaves a newcomer with nothing to read.
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { sourceFiles } from './source-files'

const ROOT = path.resolve(import.meta.dirname, '../../..')
const FOLDERS = ['app', 'bench', 'components', 'scripts', 'server', 'simulators', 'workers']
const SOURCE = /\.(ts|tsx|mts|mjs|cjs|js)$/
const OUTSIDE = /\b(CONTRACT|ARCHITECTURE|STACK|CONVENTIONS)\.md\b|\.\.\/shared\//

const sources = (dir: string) => sourceFiles(dir, SOURCE)

/** Every `file:line` whose text names a document outside the repository. */
export function outsideReferences(files: Array<{ name: string; text: string }>): string[] {
  return files.flatMap(({ name, text }) =>
    text.split('\n').flatMap((line, i) => (OUTSIDE.test(line) ? [`${name}:${i + 1}: ${line.trim()}`] : [])),
  )
}

describe('documents cited by the code', () => {
  it('finds a citation of a document outside the repository (self-check)', () => {
    const found = outsideReferences([
      { name: 'x.ts', text: 'ok\n// see CONTRACT.md "Snapshots"\n// ../shared/specs/a.json' },
    ])
    expect(found).toEqual(['x.ts:2: // see CONTRACT.md "Snapshots"', 'x.ts:3: // ../shared/specs/a.json'])
  })

  it('every citation in product code is to a document inside the repository', () => {
    const files = FOLDERS.flatMap((f) => sources(path.join(ROOT, f))).map((p) => ({
      name: path.relative(ROOT, p),
      text: fs.readFileSync(p, 'utf8'),
    }))
    expect(outsideReferences(files)).toEqual([])
  })
})
