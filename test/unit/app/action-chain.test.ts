// The one action chain refuses, on the server, whatever the role table does not grant, before any
// server/ call runs; the table itself is pinned here so a change to who may do what is deliberate.
import { describe, expect, it, vi, beforeEach } from 'vitest'
import { z } from 'zod'
import { ACTIONS, PERMISSIONS, ROLES, type Role } from '@/server/auth/permissions'
import { ValidationError } from '@/server/errors'

const session = vi.hoisted(() => ({ user: null as null | { id: string; email: string; role: string } }))
vi.mock('@/app/_lib/auth', () => ({ currentUser: async () => session.user }))
const { defineAction } = await import('@/app/_lib/action')

const as = (role: Role) => {
  session.user = { id: `u-${role}`, email: `${role}@example.com`, role }
}

describe('the action chain', () => {
  beforeEach(() => {
    session.user = null
  })

  it('runs an action only for roles the table grants it to, and never calls the server otherwise', async () => {
    for (const action of ACTIONS) {
      const run = vi.fn(async () => 'done')
      const act = defineAction({ action, input: z.object({}), run })
      for (const role of ROLES) {
        as(role)
        const result = await act({})
        if (PERMISSIONS[role].includes(action)) expect(result, `${role} ${action}`).toEqual({ data: 'done' })
        else
          expect(result, `${role} ${action}`).toEqual({
            error: { code: 'FORBIDDEN', message: `Your role (${role}) may not do this.` },
          })
      }
      expect(run).toHaveBeenCalledTimes(ROLES.filter((r) => PERMISSIONS[r].includes(action)).length)
    }
  })

  it('refuses a signed-out caller and an unknown role', async () => {
    const run = vi.fn(async () => 'done')
    const act = defineAction({ action: 'dashboard:view', input: z.object({}), run })
    expect(await act({})).toMatchObject({ error: { code: 'UNAUTHORIZED' } })
    session.user = { id: 'x', email: 'x@example.com', role: 'superuser' }
    expect(await act({})).toMatchObject({ error: { code: 'FORBIDDEN' } })
    expect(run).not.toHaveBeenCalled()
  })

  it('answers bad input with the field and a typed error with its code; anything else is generic', async () => {
    as('admin')
    const act = defineAction({
      action: 'rules:edit',
      input: z.object({ reason: z.string().min(3) }),
      run: async (i) => {
        if (i.reason === 'boom') throw new Error('secret detail')
        if (i.reason === 'nope') throw new ValidationError('Not like that.', undefined, 'NOPE')
        return i.reason
      },
    })
    expect(await act({ reason: 'x' })).toMatchObject({
      error: { code: 'INVALID_INPUT', message: expect.stringContaining('reason') },
    })
    expect(await act({ reason: 'nope' })).toEqual({ error: { code: 'NOPE', message: 'Not like that.' } })
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {})
    const failed = await act({ reason: 'boom' })
    spy.mockRestore()
    expect(failed).toMatchObject({ error: { code: 'INTERNAL' } })
    expect(JSON.stringify(failed)).not.toContain('secret detail')
  })
})

describe('the role table', () => {
  it('gives each persona its job and nothing else', () => {
    expect(PERMISSIONS.executive).not.toContain('rules:edit')
    expect(PERMISSIONS.executive.filter((a) => !a.endsWith(':view'))).toEqual([])
    expect(PERMISSIONS.merchandiser.filter((a) => !a.endsWith(':view')).sort()).toEqual([
      'holdbacks:edit',
      'rules:edit',
    ])
    expect(PERMISSIONS.support).toContain('replays:approve')
    expect(PERMISSIONS.analyst).not.toContain('replays:approve')
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      for (const a of ['api-keys:manage', 'users:manage', 'catalog:edit', 'channels:configure'] as const)
        expect(PERMISSIONS[role], `${role} ${a}`).not.toContain(a)
    }
    expect([...PERMISSIONS.admin].sort()).toEqual([...ACTIONS].sort())
  })
})
