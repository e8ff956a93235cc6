// The keys of a JSON document that a zod schema left out of what it read. zod drops the keys an
// object schema does not name, which suits what the server stores and reads back; an import that
// replaces a whole draft must not: a misspelt field (`privacyPolicyURL`, `descripton`) would be
// dropped without a word, and the field it meant left empty.

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * The path of each key of `input` that is not in `read` (the schema's output for it), walking
 * both together: objects by key, arrays by index. A key the schema kept is followed into its
 * value; one it dropped is listed, not followed.
 */
export function unreadKeys(input: unknown, read: unknown, path: readonly (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(input) && Array.isArray(read)) {
    // An array whose items the schema filtered could not be walked item by item; none does.
    if (input.length !== read.length) return []
    return input.flatMap((item, i) => unreadKeys(item, read[i], [...path, i]))
  }
  if (!isObject(input) || !isObject(read)) return []
  return Object.keys(input).flatMap((key) => (Object.hasOwn(read, key) ? unreadKeys(input[key], read[key], [...path, key]) : [[...path, key]]))
}
