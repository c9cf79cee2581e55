// Failed sign-ins are counted per account and per client address in shared windows
// (rate-window.ts), so guessing is slow whichever of the two an attacker varies, across every web
// process. A blocked attempt is refused before the password is even compared (429 + Retry-After).
import type { RawSql } from '../db'
import { clearWindow, hitWindow, peekWindow } from './rate-window'

export const SIGN_IN_WINDOW_SECONDS = 15 * 60
/** Failed sign-ins allowed per account per window. */
export const SIGN_IN_ACCOUNT_LIMIT = 5
/** Failed sign-ins allowed per client address per window (an office behind one NAT signs in too). */
export const SIGN_IN_ADDRESS_LIMIT = 30

const accountKey = (email: string) => `signin:acct:${email.trim().toLowerCase().slice(0, 320)}`
const addressKey = (addr: string) => `signin:addr:${(addr || 'unknown').slice(0, 64)}`

/** Seconds to wait when this account or address has used its failures, else null. */
export async function signInRetryAfter(
  db: RawSql,
  email: string,
  address: string,
  now = new Date(),
): Promise<number | null> {
  const [acct, addr] = await Promise.all([
    peekWindow(db, accountKey(email), SIGN_IN_WINDOW_SECONDS, now),
    peekWindow(db, addressKey(address), SIGN_IN_WINDOW_SECONDS, now),
  ])
  const waits = [
    acct.count >= SIGN_IN_ACCOUNT_LIMIT ? acct.retryAfterSeconds : 0,
    addr.count >= SIGN_IN_ADDRESS_LIMIT ? addr.retryAfterSeconds : 0,
  ]
  const wait = Math.max(...waits)
  return wait > 0 ? wait : null
}

export async function recordFailedSignIn(db: RawSql, email: string, address: string, now = new Date()): Promise<void> {
  await hitWindow(db, accountKey(email), SIGN_IN_WINDOW_SECONDS, now)
  await hitWindow(db, addressKey(address), SIGN_IN_WINDOW_SECONDS, now)
}

/** A correct password resets the account's count (not the address's: one right guess must not buy more). */
export async function recordSuccessfulSignIn(db: RawSql, email: string): Promise<void> {
  await clearWindow(db, accountKey(email))
}
