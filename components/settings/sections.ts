// The settings sections, each with the permission it needs (the landing page and the tabs show
// only those the role may use; each page checks its own permission again).
import type { Action } from '@/server/auth/permissions'

export interface SettingsSection {
  href: string
  label: string
  action: Action
  summary: string
}

export const SETTINGS_SECTIONS: SettingsSection[] = [
  {
    href: '/settings/channels',
    label: 'Channels',
    action: 'channels:configure',
    summary: 'Mode (shadow or live), status, base URL, connector settings and credentials.',
  },
  {
    href: '/settings/api-keys',
    label: 'API keys and signing secrets',
    action: 'api-keys:manage',
    summary: 'Keys for machine clients, with scopes and an optional bound source; webhook signing secrets of sources.',
  },
  {
    href: '/settings/users',
    label: 'Users and roles',
    action: 'users:manage',
    summary: 'Invite people, change roles, deactivate and reactivate accounts.',
  },
  {
    href: '/settings/sources',
    label: 'Sources',
    action: 'catalog:edit',
    summary:
      'Source systems as code: kind, how their files are read (EDI 846 qualifiers and default location, CSV/NDJSON column maps); try a sample file first.',
  },
  {
    href: '/settings/catalog',
    label: 'Catalog',
    action: 'catalog:edit',
    summary: 'Search SKUs, locations, listings and aliases; edit SKUs; import a CSV with a dry run first.',
  },
]
