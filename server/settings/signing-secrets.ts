// Moved to server/sources/signing-secrets.ts (issue 16: sources have one home); kept so existing
// imports keep working.
export * from '../sources/signing-secrets'
