// Validates a GraphQL response against the schema and the document that asked for it (graphql-js
// validates documents; this checks what came back): every selected field is there and nothing
// else, non-null fields are not null, lists are lists, scalars and enum values have the schema's
// types, inline fragments apply by __typename (or, without it, by the fields present).
import {
  getOperationAST,
  isAbstractType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  Kind,
  parse,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql'

export function graphqlResponseProblems(
  schema: GraphQLSchema,
  query: string,
  response: { data?: unknown; errors?: unknown },
): string[] {
  const problems: string[] = []
  if (response.errors !== undefined) {
    if (
      !Array.isArray(response.errors) ||
      response.errors.some((e) => typeof (e as { message?: unknown })?.message !== 'string')
    )
      problems.push('errors: not a list of { message }')
  }
  if (response.data === undefined || response.data === null) return problems
  const operation = getOperationAST(parse(query))
  if (!operation) return [...problems, 'no operation']
  const root = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType()
  if (!root) return [...problems, `no ${operation.operation} root`]

  const collect = (
    parent: GraphQLCompositeType,
    selections: SelectionSetNode,
    value: Record<string, unknown>,
    out: Array<{ key: string; node: FieldNode; parent: GraphQLCompositeType }>,
  ) => {
    for (const selection of selections.selections) {
      if (selection.kind === Kind.FIELD)
        out.push({ key: selection.alias?.value ?? selection.name.value, node: selection, parent })
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = (
          selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent
        ) as GraphQLCompositeType
        const typename = typeof value.__typename === 'string' ? schema.getType(value.__typename) : undefined
        const applies =
          typename && isObjectType(typename)
            ? typename === condition || (isAbstractType(condition) && schema.isSubType(condition, typename))
            : selection.selectionSet.selections.some(
                (s) => s.kind === Kind.FIELD && (s.alias?.value ?? s.name.value) in value,
              )
        if (applies) collect(condition, selection.selectionSet, value, out)
      } else problems.push(`fragment spreads are not checked (${selection.name.value})`)
    }
  }

  const checkObject = (
    parent: GraphQLCompositeType,
    selections: SelectionSetNode,
    value: Record<string, unknown>,
    path: string,
  ) => {
    const fields: Array<{ key: string; node: FieldNode; parent: GraphQLCompositeType }> = []
    collect(parent, selections, value, fields)
    const expected = new Set(fields.map((f) => f.key))
    for (const key of Object.keys(value)) if (!expected.has(key)) problems.push(`${path}.${key}: not selected`)
    for (const { key, node, parent: owner } of fields) {
      if (!(key in value)) {
        problems.push(`${path}.${key}: missing`)
        continue
      }
      if (node.name.value === '__typename') {
        if (typeof value[key] !== 'string') problems.push(`${path}.${key}: not a string`)
        continue
      }
      const definition = 'getFields' in owner ? owner.getFields()[node.name.value] : undefined
      if (!definition) {
        problems.push(`${path}.${key}: ${owner.name} has no field ${node.name.value}`)
        continue
      }
      checkValue(definition.type, node.selectionSet, value[key], `${path}.${key}`)
    }
  }

  const checkValue = (
    type: GraphQLOutputType,
    selections: SelectionSetNode | undefined,
    value: unknown,
    path: string,
  ): void => {
    if (isNonNullType(type)) {
      if (value === null || value === undefined) problems.push(`${path}: null for ${String(type)}`)
      else checkValue(type.ofType, selections, value, path)
      return
    }
    if (value === null) return
    if (isListType(type)) {
      if (!Array.isArray(value)) problems.push(`${path}: not a list`)
      else value.forEach((item, index) => checkValue(type.ofType, selections, item, `${path}[${index}]`))
      return
    }
    if (isScalarType(type)) {
      const ok =
        type.name === 'Int'
          ? Number.isInteger(value) && Math.abs(value as number) <= 2 ** 31
          : type.name === 'Float'
            ? typeof value === 'number'
            : type.name === 'Boolean'
              ? typeof value === 'boolean'
              : type.name === 'String' || type.name === 'ID'
                ? typeof value === 'string'
                : value !== undefined
      if (!ok) problems.push(`${path}: ${JSON.stringify(value)} is not a ${type.name}`)
      return
    }
    if (isEnumType(type)) {
      if (typeof value !== 'string' || !type.getValue(value))
        problems.push(`${path}: ${JSON.stringify(value)} is not a ${type.name}`)
      return
    }
    if (typeof value !== 'object' || Array.isArray(value) || !selections) {
      problems.push(`${path}: not an object`)
      return
    }
    checkObject(type as GraphQLCompositeType, selections, value as Record<string, unknown>, path)
  }

  if (typeof response.data !== 'object' || Array.isArray(response.data)) return [...problems, 'data: not an object']
  checkObject(root, operation.selectionSet, response.data as Record<string, unknown>, 'data')
  return problems
}
