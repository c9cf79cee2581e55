// Every catalogue entity the API serves, by the name used in its URL (/api/v1/catalog/<name>).
import type { CatalogEntity, CatalogEntityName } from './catalog-plan'
import { skuEntity } from './upsert-skus'
import { locationEntity } from './upsert-locations'
import { locationAliasEntity, skuAliasEntity } from './upsert-aliases'
import { unitEntity } from './upsert-units'
import { listingEntity } from './upsert-listings'

export const CATALOG_ENTITIES: Record<CatalogEntityName, CatalogEntity<never, object>> = {
  skus: skuEntity as never,
  locations: locationEntity as never,
  'sku-aliases': skuAliasEntity as never,
  'location-aliases': locationAliasEntity as never,
  units: unitEntity as never,
  listings: listingEntity as never,
}

/** The entity names, for schemas that take one (the screen's import, catalogue search). */
export const CATALOG_ENTITY_NAMES = [
  'skus',
  'locations',
  'sku-aliases',
  'location-aliases',
  'units',
  'listings',
] as const satisfies readonly CatalogEntityName[]
