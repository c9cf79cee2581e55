// Every source file is as Prettier writes it (.prettierrc.json): one layout, lines a reader can
// follow, no formatting noise in reviews. `npm run format` rewrites what this test names.
import fs from 'node:fs'
import path from 'node:path'
import * as prettier from 'prettier'
import { describe, expect, it } from 'vitest'
import { sourceFiles } from './source-files'

const root = path.resolve(__dirname, '../../..')
const FOLDERS = ['app', 'bench', 'components', 'lib', 'prisma', 'scripts', 'server', 'simulators', 'test', 'workers']
const SOURCE = /\.(ts|tsx|js|mjs|cjs)$/

const sources = (dir: string) => sourceFiles(dir, SOURCE)

describe('formatting', () => {
  it('every source file is formatted by Prettier (npm run format)', async () => {
    const files = [
      ...FOLDERS.flatMap((f) => sources(path.join(root, f))),
      ...fs
        .readdirSync(root)
        .filter((f) => SOURCE.test(f))
        .map((f) => path.join(root, f)),
    ]
    expect(files.length).toBeGreaterThan(100)
    const unformatted: string[] = []
    for (const file of files) {
      const info = await prettier.getFileInfo(file, {
        ignorePath: [path.join(root, '.prettierignore'), path.join(root, '.gitignore')],
      })
      if (info.ignored || !info.inferredParser) continue
      const options = await prettier.resolveConfig(file)
      if (!(await prettier.check(fs.readFileSync(file, 'utf8'), { ...options, filepath: file })))
        unformatted.push(path.relative(root, file))
    }
    expect(unformatted, `not formatted (run npm run format): ${unformatted.join(', ')}`).toEqual([])
  }, 120_000)
})
