import { screenPage } from '@/app/_lib/screen-page'
import { ChannelSettings } from '@/components/settings/channels-settings'

export const dynamic = 'force-dynamic'

export default screenPage('channels:configure', ChannelSettings)
