// The keys of a JSON document that a zod schema left out of what it read. zod drops the keys an
// object schema does not name, which suits what the server stores and reads back; an import that
// replaces a whole draft must not: a misspelt field (`privacyPolicyURL`, `descripton`) would be
// dropped without a word, and the field it meant left empty.

import { invalidError } from './errors'

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

/** What a document's keys belong to: one name, or a name per key's path (a request's own keys and those of the document it carries). */
export type KeyOwner = string | ((path: readonly (string | number)[]) => string)

/**
 * Refuses (422 `invalid`, an issue per key) a document holding keys the schema did not read: what
 * `holder` ("The file", "The draft") has that `what` ("the catalogue") does not.
 */
export function refuseUnreadKeys(input: unknown, read: unknown, holder: string, what: KeyOwner): void {
  const unread = unreadKeys(input, read)
  if (!unread.length) return
  const ownerOf = typeof what === 'string' ? () => what : what
  const issues = unread.map((path) => ({ path, message: `"${path.at(-1)}" is no field of ${ownerOf(path)} here: check its spelling, or remove it` }))
  throw invalidError(
    { issues },
    `${holder} has ${unread.length === 1 ? 'a field' : `${unread.length} fields`} ${ownerOf(issues[0]!.path)} does not have, first ${issues[0]!.path.join('.')}: check the spelling, or remove ${unread.length === 1 ? 'it' : 'them'}`,
  )
}
