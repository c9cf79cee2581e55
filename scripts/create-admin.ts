// npm run create-admin -- <email> <password>   (uses DATABASE_URL)
import { createPrisma } from '../server/db'
import { createUser } from '../server/auth/ensure-admin'

async function main() {
  const [email, password] = process.argv.slice(2)
  const url = process.env.DATABASE_URL
  if (!email || !password || !url) {
    console.error('Usage: DATABASE_URL=postgres://... npm run create-admin -- <email> <password>')
    process.exit(2)
  }
  const db = createPrisma(url, { max: 1 })
  await createUser(db, { email, password, role: 'admin', name: 'Administrator' })
  await db.$disconnect()
  console.log(`Admin ${email} is ready.`)
}
main().catch((e) => {
  console.error((e as Error).message)
  process.exit(1)
})
