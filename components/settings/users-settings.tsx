'use client'
// People and roles: invite (a one-time temporary password, shown once), change role,
// deactivate / reactivate. The server refuses to lock out the last admin or the acting admin.
import { useState, type FormEvent } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import type { UserView } from '@/server/users/list-users'
import { DataTable, type Column } from '@/components/ui/data-table'
import { PageHead } from '@/components/ui/page-head'
import { fetchJson } from '@/components/ui/fetch-json'
import { TextInput } from '@/components/ui/fields'
import { Ago } from '@/components/ui/ago'
import { changeUserRoleAction, inviteUserAction, setUserActiveAction } from '@/app/(app)/settings/actions'
import { type ActionApi, useAction } from '@/components/ui/action'
import { ConfirmBar, Field, ListTable, OneTimeSecret, SelectField, bindField } from './shared'

const KEY = ['settings', 'users']
type Screen = { items: UserView[]; roles: string[] }
type Pending = { kind: 'role'; user: UserView; role: string } | { kind: 'active'; user: UserView; active: boolean }

const USER_COLUMNS: Column<UserView>[] = [
  {
    header: 'Email',
    cell: (u) => (
      <>
        {u.email}
        {u.me && (
          <span className="chip" style={{ marginLeft: 6 }}>
            you
          </span>
        )}
      </>
    ),
  },
  { header: 'Name', cell: (u) => u.name },
]
const USER_STATE_COLUMNS: Column<UserView>[] = [
  {
    header: 'State',
    cell: (u) => (u.active ? <span className="chip ok">active</span> : <span className="chip bad">deactivated</span>),
  },
  { header: 'Last sign-in', cell: (u) => <Ago iso={u.lastLoginAt} fallback="never" /> },
  { header: 'Created', cell: (u) => <Ago iso={u.createdAt} /> },
]

export function UserSettings() {
  const qc = useQueryClient()
  const list = useQuery({ queryKey: KEY, queryFn: () => fetchJson<Screen>('/api/ui/settings/users') })
  const action = useAction()
  const refresh = () => void qc.invalidateQueries({ queryKey: KEY })
  const [invited, setInvited] = useState<{ email: string; password: string } | null>(null)
  const [confirm, setConfirm] = useState<Pending | null>(null)
  const [filter, setFilter] = useState('')
  const items = (list.data?.items ?? []).filter(
    (u) => !filter || `${u.email} ${u.name}`.toLowerCase().includes(filter.toLowerCase()),
  )

  function apply(p: Pending) {
    if (p.kind === 'role')
      action.run(
        () => changeUserRoleAction({ id: p.user.id, role: p.role }),
        () => `${p.user.email} is now ${p.role}. It takes effect at their next sign-in.`,
        () => {
          setConfirm(null)
          refresh()
        },
      )
    else
      action.run(
        () => setUserActiveAction({ id: p.user.id, active: p.active }),
        () =>
          p.active
            ? `${p.user.email} can sign in again.`
            : `${p.user.email} is deactivated: signed out at their next click, and they can no longer sign in.`,
        () => {
          setConfirm(null)
          refresh()
        },
      )
  }

  return (
    <div>
      <PageHead title="Users and roles" message={action.message} messageTestId="users-message">
        Roles decide what each person may see and do. At least one active admin always remains.
      </PageHead>
      {invited && (
        <OneTimeSecret
          title={`Temporary password for ${invited.email}`}
          secret={invited.password}
          onDone={() => setInvited(null)}
        >
          <p className="muted">Give it to them over a channel you trust; they sign in at /login with it.</p>
        </OneTimeSecret>
      )}

      <div className="panel">
        <h2>Invite someone</h2>
        {list.data && (
          <InviteForm
            roles={list.data.roles}
            action={action}
            onInvited={(d) => {
              setInvited({ email: d.email, password: d.temporaryPassword })
              refresh()
            }}
          />
        )}
      </div>

      <div className="panel">
        <div className="toolbar" role="search">
          <TextInput
            caption="Find"
            type="search"
            label="Find a user by email or name"
            value={filter}
            onValue={setFilter}
            placeholder="email or name"
          />
        </div>
        {confirm && (
          <ConfirmBar
            title={
              confirm.kind === 'role'
                ? `Change ${confirm.user.email} from ${confirm.user.role} to ${confirm.role}?`
                : confirm.active
                  ? `Reactivate ${confirm.user.email}?`
                  : `Deactivate ${confirm.user.email}?`
            }
            confirmLabel={confirm.kind === 'role' ? 'Change role' : confirm.active ? 'Reactivate' : 'Deactivate'}
            danger={confirm.kind === 'active' ? !confirm.active : confirm.user.role === 'admin'}
            pending={action.pending}
            onConfirm={() => apply(confirm)}
            onCancel={() => setConfirm(null)}
          >
            {confirm.kind === 'role'
              ? 'What they may see and do changes with the role.'
              : confirm.active
                ? 'They can sign in again with their existing password.'
                : 'They are signed out at their next click and can no longer sign in; their history and audit entries stay.'}
          </ConfirmBar>
        )}
        <ListTable
          query={list}
          what="users"
          rows={list.data ? items : undefined}
          emptyTitle={filter ? 'No user matches' : 'No users yet'}
          empty={filter ? 'Try another part of the email or name.' : 'Invite someone above.'}
          testId="user-list"
          columns={[
            ...USER_COLUMNS,
            {
              header: 'Role',
              cell: (u) => (
                <>
                  <label className="sr-only" htmlFor={`role-${u.id}`}>
                    Role of {u.email}
                  </label>
                  <select
                    id={`role-${u.id}`}
                    value={u.role}
                    disabled={u.me || action.pending}
                    title={u.me ? 'Another admin must change your role' : undefined}
                    onChange={(e) => setConfirm({ kind: 'role', user: u, role: e.target.value })}
                  >
                    {list.data?.roles.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                </>
              ),
            },
            ...USER_STATE_COLUMNS,
          ]}
          rowKey={(u) => u.id}
          row={(u) => ({ 'data-testid': `user-${u.email}`, className: u.active ? undefined : 'inactive' })}
          actions={(u) =>
            !u.me && (
              <button
                disabled={action.pending}
                onClick={() => setConfirm({ kind: 'active', user: u, active: !u.active })}
                aria-label={`${u.active ? 'Deactivate' : 'Reactivate'} ${u.email}`}
              >
                {u.active ? 'Deactivate' : 'Reactivate'}
              </button>
            )
          }
        />
      </div>
    </div>
  )
}

function InviteForm({
  roles,
  action,
  onInvited,
}: {
  roles: string[]
  action: ActionApi
  onInvited: (d: { email: string; temporaryPassword: string }) => void
}) {
  const [form, setForm] = useState({ email: '', name: '', role: 'analyst' })
  const field = bindField(form, setForm)
  function onSubmit(e: FormEvent) {
    e.preventDefault()
    action.run(
      () =>
        inviteUserAction({
          email: form.email,
          role: form.role,
          ...(form.name.trim() ? { name: form.name.trim() } : {}),
        }),
      (d) => `${d.email} invited as ${d.role}.`,
      (d) => {
        setForm({ email: '', name: '', role: form.role })
        onInvited(d)
      },
    )
  }
  return (
    <form onSubmit={onSubmit} data-testid="invite-user">
      <div className="form-grid">
        <Field caption="Email" type="email" {...field('email')} required maxLength={320} autoComplete="off" />
        <Field caption="Name (optional)" {...field('name')} maxLength={200} autoComplete="off" />
        <SelectField caption="Role" {...field('role')} options={roles} />
        <div>
          <button type="submit" className="primary" disabled={action.pending || !form.email.trim()}>
            {action.pending ? 'Inviting…' : 'Invite'}
          </button>
        </div>
      </div>
      <p className="muted" style={{ marginBottom: 0 }}>
        They get a temporary password, shown once here for you to pass on.
      </p>
    </form>
  )
}
