// No function in server/ is longer than a reader can hold: every function, method and arrow counts
// its formatted lines (Prettier's layout, which formatting.test.ts enforces), from the line its
// declaration starts on to the line of its closing brace, and none may pass MAX_LINES. A longer one
// is split along its steps into named helpers in the same module (see `git log -- server/` for the
// style). ALLOWED names the few not split yet, each with the reason; keep it short, never add to it.
import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const root = path.resolve(__dirname, '../../..')
const MAX_LINES = 80

/** `file:name` -> why it is still long. Remove an entry when its function is split. */
const ALLOWED: Record<string, string> = {}

interface LongFunction {
  file: string
  name: string
  lines: number
}

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) return sources(p)
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : []
  })
}

function isFunction(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isArrowFunction(node) ||
    ts.isFunctionExpression(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  )
}

/** The name a reader would search for: the declared one, else the variable, property or call it sits in. */
function nameOf(node: ts.FunctionLikeDeclaration, sf: ts.SourceFile): string {
  if (node.name) return node.name.getText(sf)
  const parent = node.parent
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) && parent.name)
    return parent.name.getText(sf)
  if (ts.isCallExpression(parent)) return `(callback of ${parent.expression.getText(sf).slice(0, 40)})`
  return '(anonymous)'
}

function longFunctions(file: string, text = fs.readFileSync(file, 'utf8')): LongFunction[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const found: LongFunction[] = []
  const visit = (node: ts.Node) => {
    if (isFunction(node) && node.body) {
      const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line
      const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line
      const lines = last - first + 1
      if (lines > MAX_LINES) found.push({ file: path.relative(root, file), name: nameOf(node, sf), lines })
    }
    ts.forEachChild(node, visit)
  }
  visit(sf)
  return found
}

describe('function length', () => {
  const all = sources(path.join(root, 'server')).flatMap((f) => longFunctions(f))

  it(`no function in server/ is longer than ${MAX_LINES} formatted lines (split it along its steps)`, () => {
    expect(sources(path.join(root, 'server')).length).toBeGreaterThan(50)
    const over = all.filter((f) => !(`${f.file}:${f.name}` in ALLOWED))
    const list = over.map((f) => `${f.name} (${f.file}, ${f.lines} lines)`).join('\n  ')
    expect(over, `functions over ${MAX_LINES} lines:\n  ${list}`).toEqual([])
  })

  it('counts declarations, methods and arrows by their formatted lines, named as a reader searches', () => {
    const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i}`).join('\n')
    const text = [
      `export function declared() {\n${body(79)}\n}`, // 81 lines
      `function fits() {\n${body(78)}\n}`, // 80 lines: allowed
      `const arrow = async () => {\n${body(80)}\n}`,
      `class Reader {\n  private method(): void {\n${body(79)}\n  }\n}`,
      `register('job', () => {\n${body(79)}\n})`,
    ].join('\n\n')
    const found = longFunctions(path.join(root, 'server/example.ts'), text)
    expect(found.map((f) => [f.name, f.lines])).toEqual([
      ['declared', 81],
      ['arrow', 82],
      ['method', 81],
      ['(callback of register)', 81],
    ])
    expect(found[0].file).toBe('server/example.ts')
  })

  it('every ALLOWED entry is still long (remove it once its function is split)', () => {
    const long = new Set(all.map((f) => `${f.file}:${f.name}`))
    expect(Object.keys(ALLOWED).filter((key) => !long.has(key))).toEqual([])
  })
})
