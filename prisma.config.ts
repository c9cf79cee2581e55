import path from 'node:path'
import pg from 'pg'
import { defineConfig } from 'prisma/config'
import { PrismaPg } from '@prisma/adapter-pg'

// Workaround for prisma/orm#27403: @prisma/adapter-pg@6.x cannot map the Postgres
// catalog types that the wasm schema engine reads from pg_catalog:
//   name (19) and friends -> text;  "char" (18) -> driver-adapter Character (6).
const CHAR_OID = 18
const AS_TEXT = [19, 22, 24, 30, 194, 2205, 2206] // name, int2vector, regproc, oidvector, pg_node_tree, regclass, regtype
const q = (pg as any).Query.prototype
if (!q.__catalogPatch) {
  q.__catalogPatch = true
  const orig = q.handleRowDescription
  q.handleRowDescription = function (msg: any) {
    for (const f of msg.fields) {
      if (f.dataTypeID === CHAR_OID) {
        f.dataTypeID = 25
        f.__wasChar = true
      } else if (AS_TEXT.includes(f.dataTypeID)) f.dataTypeID = 25
      else if (f.dataTypeID === 1002 || f.dataTypeID === 1003) f.dataTypeID = 1009 // "char"[], name[] -> text[]
    }
    return orig.call(this, msg)
  }
}
function patchQueryable(queryable: any) {
  // PgQueryable.prototype (shared by the adapter and its transactions)
  let proto = queryable
  while (proto && !Object.prototype.hasOwnProperty.call(proto, 'performIO')) proto = Object.getPrototypeOf(proto)
  if (!proto || proto.__charPatch) return
  proto.__charPatch = true
  const origQueryRaw = proto.queryRaw
  proto.queryRaw = async function (query: any) {
    let charCols: boolean[] = []
    const self = Object.create(this)
    self.performIO = async (qq: any) => {
      const r = await this.performIO(qq)
      charCols = r.fields.map((f: any) => !!f.__wasChar)
      return r
    }
    const res = await origQueryRaw.call(self, query)
    charCols.forEach((c, i) => {
      if (c) res.columnTypes[i] = 6 /* ColumnTypeEnum.Character */
    })
    return res
  }
}
class PatchedPrismaPg extends PrismaPg {
  async connect() {
    const a = await super.connect()
    patchQueryable(a)
    return a
  }
  // Upstream connectToShadowDb() drops the shadow DB *before* closing its pool
  // ("database ... is being accessed by other users"); close first, then drop.
  async connectToShadowDb() {
    const main = await this.connect()
    const database = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID()}`
    await main.executeScript(`CREATE DATABASE "${database}"`)
    const shadow: any = await new PatchedPrismaPg({ ...(this as any).config, database }).connect()
    const disposeShadow = shadow.dispose.bind(shadow)
    shadow.dispose = async () => {
      await disposeShadow()
      await main.executeScript(`DROP DATABASE IF EXISTS "${database}"`)
      await main.dispose()
    }
    return shadow
  }
}

// Pass discrete fields, NOT connectionString: PrismaPg.connectToShadowDb() does
// new Pool({ ...config, database: shadow }) and pg lets connectionString override
// `database`, which would run shadow-DB work against the real database.
function pgConfig(url: string) {
  const u = new URL(url)
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: u.pathname.slice(1),
    allowExitOnIdle: true, // otherwise each CLI command lingers ~10s (pg idle timeout)
    idleTimeoutMillis: 200,
  }
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  async adapter() {
    return new PatchedPrismaPg(pgConfig(process.env.DATABASE_URL!))
  },
})
