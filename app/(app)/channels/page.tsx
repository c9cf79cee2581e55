import { requirePageUser } from '@/app/_lib/auth'
import { ChannelList } from '@/components/channels/channel-list'

export const dynamic = 'force-dynamic'

export default async function ChannelsPage() {
  await requirePageUser('channels:view')
  return <ChannelList />
}
