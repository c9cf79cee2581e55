import { screenPage } from '@/app/_lib/screen-page'
import { ApiKeySettings } from '@/components/settings/api-keys-settings'

export const dynamic = 'force-dynamic'

export default screenPage('api-keys:manage', ApiKeySettings)
