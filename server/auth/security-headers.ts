// Headers every response carries (web-server.ts sets them before Next or socket.io answers).
// The CSP uses a fresh nonce per request: web-server.ts also hands the policy to Next as a
// *request* header, and Next puts the nonce on the inline and framework scripts it renders
// (Next docs, "Content Security Policy": nonces with dynamic rendering). Styles keep
// 'unsafe-inline' because React renders `style` attributes.
import crypto from 'node:crypto'

export function newNonce(): string {
  return crypto.randomBytes(16).toString('base64')
}

export function contentSecurityPolicy(nonce: string, opts: { dev: boolean }): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${opts.dev ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/** Behind a TLS-terminating proxy (X-Forwarded-Proto: https) or on a TLS socket. */
export function isHttps(headers: Record<string, string | string[] | undefined>, encrypted: boolean): boolean {
  if (encrypted) return true
  const proto = headers['x-forwarded-proto']
  const first = (Array.isArray(proto) ? proto[0] : (proto ?? '')).split(',')[0].trim().toLowerCase()
  return first === 'https'
}

export function securityHeaders(opts: { nonce: string; https: boolean; dev: boolean }): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(opts.nonce, { dev: opts.dev }),
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
    ...(opts.https ? { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : {}),
  }
}

/**
 * The client's address: the socket's, or behind a trusted reverse proxy the last X-Forwarded-For
 * hop (the one the proxy itself appended; earlier hops are whatever the client claimed).
 */
export function clientAddressOf(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustProxy: boolean,
): string {
  if (trustProxy && forwardedFor) {
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean)
    if (hops.length) return hops[hops.length - 1].slice(0, 64)
  }
  return socketAddress ?? ''
}
