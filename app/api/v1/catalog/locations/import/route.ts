// POST /api/v1/catalog/locations/import (scope catalog:write): CSV upsert, Content-Type: text/csv, ?dryRun=1. See docs/catalog.md.
import { catalogImportRoute } from '../../_lib/catalog-routes'

export const dynamic = 'force-dynamic'

export const POST = catalogImportRoute('locations')
