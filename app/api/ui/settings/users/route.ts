import { json, userRoute } from '@/app/_lib/api'
import { prisma } from '@/server/db'
import { listUsers } from '@/server/users/list-users'

export const dynamic = 'force-dynamic'

export const GET = userRoute('users:manage', async ({ user }) => json(await listUsers(prisma(), user.id)))
