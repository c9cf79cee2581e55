// A page that is one client screen behind a permission: the sign-in and permission check and the
// Suspense boundary the screen needs (it reads the URL's search params), written once.
import { Suspense, type ComponentType } from 'react'
import type { Action } from '@/server/auth/permissions'
import { requirePageUser } from './auth'

export function screenPage(action: Action, Screen: ComponentType) {
  return async function ScreenPage() {
    await requirePageUser(action)
    return (
      <Suspense>
        <Screen />
      </Suspense>
    )
  }
}
