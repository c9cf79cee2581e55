import Link from 'next/link'
import { requirePageUser } from '@/app/_lib/auth'

export const dynamic = 'force-dynamic'

export default async function ForbiddenPage({ searchParams }: { searchParams: Promise<{ need?: string }> }) {
  const user = await requirePageUser()
  const { need } = await searchParams
  return (
    <section className="panel" data-testid="forbidden">
      <h1>Not allowed for your role</h1>
      <p>
        You are signed in as <strong>{user.email}</strong> ({user.role}).
        {need ? (
          <>
            {' '}
            That page needs the <code>{need}</code> permission.
          </>
        ) : null}{' '}
        Ask an administrator if you need it.
      </p>
      <p>
        <Link href="/">Back to the dashboard</Link>
      </p>
    </section>
  )
}
