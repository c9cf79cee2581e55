'use server'
// Settings mutations (admin area), each through the one action chain (app/_lib/action.ts): zod
// parse, the permission for this action, one server/settings call, `{ data } | { error }`.
import { defineAction } from '@/app/_lib/action'
import { prisma } from '@/server/db'
import { UpdateChannelInputSchema, updateChannel } from '@/server/channels/configure-channel'
import { SetChannelCredentialsInputSchema, setChannelCredentials } from '@/server/channels/set-channel-credentials'
import { CreateApiKeyInputSchema, createApiKeyForAdmin } from '@/server/auth/manage-api-keys'
import { RevokeApiKeyInputSchema, revokeApiKey } from '@/server/auth/revoke-api-key'
import { CreateSourceInputSchema, createSource } from '@/server/sources/create-source'
import { RotateSigningSecretInputSchema, rotateSigningSecret } from '@/server/sources/rotate-signing-secret'
import { ChangeRoleInputSchema, changeUserRole } from '@/server/users/change-user-role'
import { InviteUserInputSchema, inviteUser } from '@/server/users/invite-user'
import { SetUserActiveInputSchema, setUserActive } from '@/server/users/set-user-active'
import { EditSkuInputSchema, editSku } from '@/server/catalog/edit-catalog'
import { ImportCatalogInputSchema, importCatalogFromScreen } from '@/server/catalog/import-catalog-from-screen'
import { SaveSourceFromScreenInputSchema, saveSourceFromScreen } from '@/server/sources/save-source'
import { DryRunFileInputSchema, dryRunFile } from '@/server/sources/dry-run-file'

const saveChannel = defineAction({
  action: 'channels:configure',
  input: UpdateChannelInputSchema,
  run: (i, _u, actor) => updateChannel(prisma(), actor, i),
})
const saveCredentials = defineAction({
  action: 'channels:configure',
  input: SetChannelCredentialsInputSchema,
  run: (i, _u, actor) => setChannelCredentials(prisma(), actor, i),
})

const createKey = defineAction({
  action: 'api-keys:manage',
  input: CreateApiKeyInputSchema,
  run: (i, _u, actor) => createApiKeyForAdmin(prisma(), actor, i),
})
const revokeKey = defineAction({
  action: 'api-keys:manage',
  input: RevokeApiKeyInputSchema,
  run: (i, _u, actor) => revokeApiKey(prisma(), actor, i),
})
const addSource = defineAction({
  action: 'api-keys:manage',
  input: CreateSourceInputSchema,
  run: (i, _u, actor) => createSource(prisma(), actor, i),
})
const rotateSecret = defineAction({
  action: 'api-keys:manage',
  input: RotateSigningSecretInputSchema,
  run: (i, _u, actor) => rotateSigningSecret(prisma(), actor, i),
})

const invite = defineAction({
  action: 'users:manage',
  input: InviteUserInputSchema,
  run: (i, _u, actor) => inviteUser(prisma(), actor, i),
})
const changeRole = defineAction({
  action: 'users:manage',
  input: ChangeRoleInputSchema,
  run: (i, _u, actor) => changeUserRole(prisma(), actor, i),
})
const setActive = defineAction({
  action: 'users:manage',
  input: SetUserActiveInputSchema,
  run: (i, _u, actor) => setUserActive(prisma(), actor, i),
})

const saveSku = defineAction({
  action: 'catalog:edit',
  input: EditSkuInputSchema,
  run: (i, _u, actor) => editSku(prisma(), actor, i),
})
const saveSourceSettings = defineAction({
  action: 'catalog:edit',
  input: SaveSourceFromScreenInputSchema,
  run: (i, _u, actor) => saveSourceFromScreen(prisma(), actor, i),
})
const dryRunSourceFile = defineAction({
  action: 'catalog:edit',
  input: DryRunFileInputSchema,
  run: (i) => dryRunFile(prisma(), i),
})
const importCsv = defineAction({
  action: 'catalog:edit',
  input: ImportCatalogInputSchema,
  run: (i, _u, actor) => importCatalogFromScreen(prisma(), actor, i),
})

export async function updateChannelAction(input: unknown) {
  return saveChannel(input)
}
export async function setChannelCredentialsAction(input: unknown) {
  return saveCredentials(input)
}
export async function createApiKeyAction(input: unknown) {
  return createKey(input)
}
export async function revokeApiKeyAction(input: unknown) {
  return revokeKey(input)
}
export async function createSourceAction(input: unknown) {
  return addSource(input)
}
export async function rotateSigningSecretAction(input: unknown) {
  return rotateSecret(input)
}
export async function inviteUserAction(input: unknown) {
  return invite(input)
}
export async function changeUserRoleAction(input: unknown) {
  return changeRole(input)
}
export async function setUserActiveAction(input: unknown) {
  return setActive(input)
}
export async function editSkuAction(input: unknown) {
  return saveSku(input)
}
export async function importCatalogAction(input: unknown) {
  return importCsv(input)
}
export async function saveSourceAction(input: unknown) {
  return saveSourceSettings(input)
}
export async function dryRunSourceFileAction(input: unknown) {
  return dryRunSourceFile(input)
}
