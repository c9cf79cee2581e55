import { requirePageUser } from '@/app/_lib/auth'
import { ChangePasswordForm } from '@/components/auth/change-password-form'

export const dynamic = 'force-dynamic'

export default async function ChangePasswordPage() {
  const user = await requirePageUser(undefined, { passwordChange: true })
  return (
    <section className="panel" data-testid="change-password">
      <h1>Change password</h1>
      {user.mustChangePassword ? (
        <p className="error-box" role="alert" data-testid="password-change-required">
          You signed in with a one-time password: choose your own before going on.
        </p>
      ) : (
        <p className="muted">Signed in as {user.email}. Changing the password signs out your other sessions.</p>
      )}
      <ChangePasswordForm />
    </section>
  )
}
