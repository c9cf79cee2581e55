// The one place that maps a channel kind to its connector's settings and credentials schemas
// (the same ones each connector parses at construction), and the form fields the Settings screen
// generates from them: one input per field, labelled with the schema's description, typed,
// required or not, with its default. Credentials fields are secrets (password inputs, write-only).
import { z } from 'zod'
import { amazonCredentialsSchema, amazonSettingsSchema } from './amazon/amazon.schema'
import { b2bCredentialsSchema, b2bSettingsSchema } from './b2b/b2b.schema'
import { shopifyCredentialsSchema, shopifySettingsSchema } from './shopify/shopify.schema'
import { walmartCredentialsSchema, walmartSettingsSchema } from './walmart/walmart.schema'

export const CONNECTOR_SCHEMAS: Record<string, { settings: z.ZodObject; credentials: z.ZodObject }> = {
  shopify: { settings: shopifySettingsSchema, credentials: shopifyCredentialsSchema },
  amazon: { settings: amazonSettingsSchema, credentials: amazonCredentialsSchema },
  walmart: { settings: walmartSettingsSchema, credentials: walmartCredentialsSchema },
  b2b: { settings: b2bSettingsSchema, credentials: b2bCredentialsSchema },
}

export function connectorSchemasFor(kind: string): { settings: z.ZodObject; credentials: z.ZodObject } | undefined {
  return Object.hasOwn(CONNECTOR_SCHEMAS, kind) ? CONNECTOR_SCHEMAS[kind] : undefined
}

/** One input of a generated form. */
export interface ConnectorFormField {
  name: string
  /** The schema's description, else the field name. */
  label: string
  type: 'text' | 'url' | 'integer' | 'number' | 'boolean' | 'choice' | 'secret'
  required: boolean
  /** What the connector uses when the field is left empty. */
  default?: string | number | boolean
  choices?: string[]
  min?: number
  max?: number
  pattern?: string
}

interface JsonSchemaProperty {
  type?: string
  description?: string
  default?: unknown
  enum?: unknown[]
  format?: string
  minimum?: number
  maximum?: number
  pattern?: string
}

/** The form fields of a connector's settings or credentials schema (JSON Schema of its input). */
export function connectorFormFields(schema: z.ZodObject, part: 'settings' | 'credentials'): ConnectorFormField[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchemaProperty>
    required?: string[]
  }
  const required = new Set(json.required ?? [])
  return Object.entries(json.properties ?? {}).map(([name, p]): ConnectorFormField => {
    const type: ConnectorFormField['type'] =
      part === 'credentials'
        ? 'secret'
        : p.enum
          ? 'choice'
          : p.type === 'integer'
            ? 'integer'
            : p.type === 'number'
              ? 'number'
              : p.type === 'boolean'
                ? 'boolean'
                : p.format === 'uri'
                  ? 'url'
                  : 'text'
    const dflt =
      typeof p.default === 'string' || typeof p.default === 'number' || typeof p.default === 'boolean'
        ? p.default
        : undefined
    return {
      name,
      label: p.description ?? name,
      type,
      required: required.has(name) && dflt === undefined,
      ...(dflt !== undefined ? { default: dflt } : {}),
      ...(p.enum ? { choices: p.enum.map(String) } : {}),
      ...(p.minimum !== undefined ? { min: p.minimum } : {}),
      ...(p.maximum !== undefined ? { max: p.maximum } : {}),
      ...(p.pattern !== undefined ? { pattern: p.pattern } : {}),
    }
  })
}
