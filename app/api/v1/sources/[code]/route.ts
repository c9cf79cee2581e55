import { apiKeyRoute, json } from '@/app/_lib/api'
import { readTextLimited } from '@/app/_lib/body'
import { prisma } from '@/server/db'
import { ValidationError } from '@/server/errors'
import { getSource } from '@/server/sources/list-sources'
import { saveSource, SourceCodeSchema } from '@/server/sources/save-source'

export const dynamic = 'force-dynamic'

function code(raw: string): string {
  const c = SourceCodeSchema.safeParse(raw)
  if (!c.success)
    throw new ValidationError(
      'Not a source code: letters, digits, ".", "_", ":" or "-", at most 100.',
      undefined,
      'INVALID_SOURCE_CODE',
    )
  return c.data
}

/** GET /api/v1/sources/{code}: one source (secrets never returned). */
export const GET = apiKeyRoute<{ code: string }>('read', async ({ params }) =>
  json(await getSource(prisma(), code(params.code))),
)

/** PUT /api/v1/sources/{code}: `{ name, kind, settings }` creates or replaces the source; audited. */
export const PUT = apiKeyRoute<{ code: string }>('catalog:write', async ({ req, params, principal, ref }) => {
  const text = await readTextLimited(req, 256 * 1024)
  let raw: unknown
  // Any parse failure (a syntax error, or nesting too deep for the parser) is the sender's.
  try {
    raw = JSON.parse(text)
  } catch {
    throw new ValidationError('The body is not valid JSON.', undefined, 'INVALID_JSON')
  }
  const { source } = await saveSource(
    prisma(),
    { kind: 'api_key', id: principal.keyId, label: `api key ${principal.name}` },
    code(params.code),
    raw,
    ref,
  )
  const { settingsProblems: _problems, ...body } = source
  return json(body)
})
