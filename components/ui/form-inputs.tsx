'use client'
// A row of text inputs over one form object: each field names its key and its input's props, so a
// form lists its fields once instead of writing value / onValue for each.
import type { ComponentProps } from 'react'
import { TextInput } from './fields'

export type InputField<K extends string> = Omit<ComponentProps<typeof TextInput>, 'value' | 'onValue'> & { name: K }

export function FormInputs<K extends string>({
  fields,
  form,
  set,
}: {
  fields: ReadonlyArray<InputField<K>>
  form: Record<K, string>
  set: (key: K, value: string) => void
}) {
  return (
    <>
      {fields.map(({ name, ...field }) => (
        <TextInput key={name} {...field} value={form[name]} onValue={(v) => set(name, v)} />
      ))}
    </>
  )
}
