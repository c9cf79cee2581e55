import { screenPage } from '@/app/_lib/screen-page'
import { SkuExplorer } from '@/components/skus/sku-explorer'

export const dynamic = 'force-dynamic'

export default screenPage('inventory:view', SkuExplorer)
