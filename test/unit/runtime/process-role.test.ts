import { describe, expect, it } from 'vitest'
import { missingForRole, prepareRole, shutdownGraceMs, wantsMigration } from '../../../server/runtime/process-role'

describe('process roles', () => {
  it('name what each role lacks: web and worker share the database and the secrets, simulators the B2B portal signing secret', () => {
    expect(missingForRole('web', {})).toEqual(['DATABASE_URL', 'NEXTAUTH_SECRET', 'STOCKTOWER_ENCRYPTION_KEY'])
    expect(missingForRole('worker', { DATABASE_URL: 'postgresql://x', STOCKTOWER_ENCRYPTION_KEY: ' ' })).toEqual([
      'STOCKTOWER_ENCRYPTION_KEY',
    ])
    expect(missingForRole('simulators', {})).toEqual(['STOCKTOWER_B2B_SIGNING_SECRET'])
  })
  it('refuse to start half-configured, naming every missing variable', async () => {
    await expect(prepareRole('web', [], { DATABASE_URL: 'postgresql://x' })).rejects.toThrow(
      /NEXTAUTH_SECRET, STOCKTOWER_ENCRYPTION_KEY must be set for the web role/,
    )
  })
  it('migrate only when asked', () => {
    expect(wantsMigration([], {})).toBe(false)
    expect(wantsMigration(['--migrate'], {})).toBe(true)
    expect(wantsMigration([], { STOCKTOWER_MIGRATE: 'on' })).toBe(true)
  })
  it('give running work 20 s by default, or what STOCKTOWER_SHUTDOWN_GRACE_MS says', () => {
    expect(shutdownGraceMs({})).toBe(20_000)
    expect(shutdownGraceMs({ STOCKTOWER_SHUTDOWN_GRACE_MS: '8000' })).toBe(8_000)
    expect(shutdownGraceMs({ STOCKTOWER_SHUTDOWN_GRACE_MS: 'soon' })).toBe(20_000)
  })
})
