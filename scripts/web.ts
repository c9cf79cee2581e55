// `npm run web`: one web process (Next.js pages and API, socket.io) against DATABASE_URL. Run as
// many as the load needs behind a reverse proxy; socket.io's Postgres adapter delivers every event
// to the browsers of every copy. Needs `npm run build` first (the build is part of a release).
import fs from 'node:fs'
import path from 'node:path'
import { startRole } from '../server/runtime/process-role'
import { distDir } from './build'

startRole('web', 'web', async () => {
  if (process.env.NODE_ENV === 'production' && !fs.existsSync(path.join(distDir(), 'BUILD_ID'))) {
    throw new Error(`no production build in ${distDir()}: run \`npm run build\` first`)
  }
  await import('../web-server')
})
