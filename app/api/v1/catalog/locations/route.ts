// GET /api/v1/catalog/locations (scope read): list, ?q= ?cursor= ?limit=. POST (scope catalog:write): upsert { "items": [...] }, ?dryRun=1. See docs/catalog.md.
import { catalogListRoute, catalogUpsertRoute } from '../_lib/catalog-routes'

export const dynamic = 'force-dynamic'

export const GET = catalogListRoute('locations')
export const POST = catalogUpsertRoute('locations')
