'use server'
// The signed-in user's own account, through the account chain (app/_lib/action.ts).
import { defineAccountAction } from '@/app/_lib/action'
import { prisma } from '@/server/db'
import { ChangePasswordInputSchema, changePassword } from '@/server/auth/change-password'

const change = defineAccountAction({
  name: 'account:change-password',
  input: ChangePasswordInputSchema,
  run: (i, u) => changePassword(prisma(), u, u.sessionId, i),
})

export async function changePasswordAction(input: unknown) {
  return change(input)
}
