// Connector credentials at rest: AES-256-GCM with STOCKTOWER_ENCRYPTION_KEY (32 bytes, base64).
// Stored as `v1:<iv>:<tag>:<ciphertext>`; never returned to a browser.
import crypto from 'node:crypto'

function key(): Buffer {
  const raw = process.env.STOCKTOWER_ENCRYPTION_KEY
  if (!raw) throw new Error('STOCKTOWER_ENCRYPTION_KEY is not set (npm start generates one in the data folder).')
  const k = Buffer.from(raw, 'base64')
  return k.length === 32 ? k : crypto.createHash('sha256').update(raw).digest()
}

export function encryptCredentials(value: Record<string, string>): string {
  const iv = crypto.randomBytes(12)
  const cipher = crypto.createCipheriv('aes-256-gcm', key(), iv)
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()])
  return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), data.toString('base64')].join(':')
}

export function decryptCredentials(stored: string | null): Record<string, string> {
  if (!stored) return {}
  const [v, iv, tag, data] = stored.split(':')
  if (v !== 'v1') throw new Error('Unknown credentials format.')
  const decipher = crypto.createDecipheriv('aes-256-gcm', key(), Buffer.from(iv, 'base64'))
  decipher.setAuthTag(Buffer.from(tag, 'base64'))
  return JSON.parse(
    Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8'),
  ) as Record<string, string>
}
