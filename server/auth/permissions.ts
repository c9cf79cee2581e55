// Role to allowed actions. Whatever the table does not name is denied.
export const ROLES = ['analyst', 'merchandiser', 'support', 'executive', 'admin'] as const
export type Role = (typeof ROLES)[number]

export const ACTIONS = [
  'dashboard:view',
  'inventory:view',
  'channels:view',
  'channels:pause',
  'channels:configure',
  'rules:view',
  'rules:edit',
  'holdbacks:edit',
  'dead-letters:view',
  'replays:request',
  'replays:approve',
  'dead-letters:discard',
  'findings:view',
  'findings:act',
  'audit:view',
  'catalog:edit',
  'api-keys:manage',
  'users:manage',
  'kpis:view',
  'ownership:view',
  'ownership:switch',
] as const
export type Action = (typeof ACTIONS)[number]

const VIEW: Action[] = [
  'dashboard:view',
  'inventory:view',
  'channels:view',
  'rules:view',
  'dead-letters:view',
  'findings:view',
  'kpis:view',
]

export const PERMISSIONS: Record<Role, readonly Action[]> = {
  analyst: [
    ...VIEW,
    'channels:pause',
    'replays:request',
    'findings:act',
    'audit:view',
    'ownership:view',
    'ownership:switch',
  ],
  merchandiser: [...VIEW, 'rules:edit', 'holdbacks:edit'],
  support: [
    ...VIEW,
    'replays:request',
    'replays:approve',
    'dead-letters:discard',
    'findings:act',
    'audit:view',
    'ownership:view',
  ],
  executive: ['dashboard:view', 'kpis:view', 'channels:view', 'findings:view', 'inventory:view'],
  admin: [...ACTIONS],
}

export function can(role: string | undefined | null, action: Action): boolean {
  if (!role || !Object.hasOwn(PERMISSIONS, role)) return false
  return PERMISSIONS[role as Role].includes(action)
}

/** API key scopes (docs/api.md "Authentication"). `ingest:channel:*` grants every channel. */
export const SCOPES = ['ingest:erp', 'ingest:channel:*', 'read', 'rules:write', 'catalog:write'] as const

export function hasScope(scopes: readonly string[], needed: string): boolean {
  if (scopes.includes(needed)) return true
  if (needed.startsWith('ingest:channel:') && scopes.includes('ingest:channel:*')) return true
  return false
}
