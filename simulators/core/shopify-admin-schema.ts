// Shopify's own Admin GraphQL schemas, one per API version, from Shopify's introspection results
// (vendored in test/fixtures/specs/shopify/admin_<version>.json.gz; its README says where they come from).
// The Shopify simulator validates and executes every document against the version named in the
// request URL; connector tests validate every document the connector sends against the version
// the channel is configured for. Built once per version per process (about 0.3 s each).
import fs from 'node:fs'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { buildClientSchema, type GraphQLSchema, type IntrospectionQuery } from 'graphql'

/** The directory holding `shopify/admin_<version>.json.gz` (STOCKTOWER_SPECS_DIR overrides). */
export function specsDir(): string {
  return process.env.STOCKTOWER_SPECS_DIR ?? path.resolve(process.cwd(), 'test', 'fixtures', 'specs')
}

const versionsByDir = new Map<string, string[]>()

/** The Admin API versions we hold a schema for, oldest first (e.g. ['2026-01', '2026-04']). */
export function shopifySchemaVersions(): string[] {
  const dir = path.join(specsDir(), 'shopify')
  const known = versionsByDir.get(dir)
  if (known) return known
  const versions = !fs.existsSync(dir)
    ? []
    : fs
        .readdirSync(dir)
        .map((file) => /^admin_(\d{4}-\d{2})\.json\.gz$/.exec(file)?.[1])
        .filter((version): version is string => version !== undefined)
        .sort()
  versionsByDir.set(dir, versions)
  return versions
}

const cache = new Map<string, GraphQLSchema>()

/** The Admin GraphQL schema of one API version; throws when we hold none for it. */
export function shopifyAdminSchema(version: string): GraphQLSchema {
  const cached = cache.get(version)
  if (cached) return cached
  const file = path.join(specsDir(), 'shopify', `admin_${version}.json.gz`)
  if (!fs.existsSync(file)) throw new Error(`No Shopify Admin schema for API version ${version} (looked for ${file}).`)
  const introspection = JSON.parse(gunzipSync(fs.readFileSync(file)).toString('utf8')) as { data: IntrospectionQuery }
  const schema = buildClientSchema(introspection.data)
  cache.set(version, schema)
  return schema
}
