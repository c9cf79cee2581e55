import { screenPage } from '@/app/_lib/screen-page'
import { UserSettings } from '@/components/settings/users-settings'

export const dynamic = 'force-dynamic'

export default screenPage('users:manage', UserSettings)
