import { screenPage } from '@/app/_lib/screen-page'
import { SourceSettings } from '@/components/settings/sources-settings'

export const dynamic = 'force-dynamic'

export default screenPage('catalog:edit', SourceSettings)
