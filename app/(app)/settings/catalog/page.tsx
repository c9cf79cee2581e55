import { screenPage } from '@/app/_lib/screen-page'
import { CatalogSettings } from '@/components/settings/catalog-settings'

export const dynamic = 'force-dynamic'

export default screenPage('catalog:edit', CatalogSettings)
