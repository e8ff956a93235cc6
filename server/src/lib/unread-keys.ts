// The keys of a JSON document that a zod schema left out of what it read. zod drops the keys an
// object schema does not name, which suits what the server stores and reads back; an import that
// replaces a whole draft must not: a misspelt field (`privacyPolicyURL`, `descripton`) would be
// dropped without a word, and the field it meant left empty.

import type { z } from 'zod'
import { type ApiError, invalidError } from './errors'

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

/** One issue per key of `input` that `read` does not have (unreadKeys), as refuseUnreadKeys names them. */
function unreadKeyIssues(input: unknown, read: unknown, what: KeyOwner): { path: (string | number)[]; message: string }[] {
  const ownerOf = typeof what === 'string' ? () => what : what
  return unreadKeys(input, read).map((path) => ({ path, message: `"${path.at(-1)}" is no field of ${ownerOf(path)} here: check its spelling, or remove it` }))
}

/**
 * Refuses (422 `invalid`, an issue per key) a document holding keys the schema did not read: what
 * `holder` ("The file", "The draft") has that `what` ("the catalogue") does not.
 */
export function refuseUnreadKeys(input: unknown, read: unknown, holder: string, what: KeyOwner): void {
  const issues = unreadKeyIssues(input, read, what)
  if (!issues.length) return
  const n = issues.length
  const first = issues[0]!.path
  const ownerOf = typeof what === 'string' ? () => what : what
  throw invalidError(
    { issues },
    `${holder} has ${n === 1 ? 'a field' : `${n} fields`} ${ownerOf(first)} does not have, first ${first.join('.')}: check the spelling, or remove ${n === 1 ? 'it' : 'them'}`,
  )
}

/**
 * 422 `invalid` for a document `schema` refused (`error`, its safeParse's): each of its issues, and
 * one per key it does not read, as refuseUnreadKeys names them. Before, the keys were checked only
 * once the schema took the document: a client was told of a misspelt key only after fixing the
 * other problems, one 422 after another (review). The error's message is the first issue's.
 */
export function refusedDocument(schema: z.ZodType, input: unknown, error: z.ZodError, what: KeyOwner): ApiError {
  // A key the schema refused (a record's `EN` for `en`) is left out of what it read too: it is
  // named once, with the schema's reason.
  const refused = new Set(error.issues.map((i) => i.path.join('.')))
  const unread = unreadKeyIssues(input, readOfRefused(schema, input), what).filter((i) => !refused.has(i.path.join('.')))
  return invalidError({ issues: [...error.issues, ...unread] })
}

/**
 * What `schema` had read of a document it refused: the output it builds, with the keys it reads
 * and without the others, as far as it got. zod's parse runs the schema so (its core `_zod.run`)
 * and keeps only the issues of a refusal. Where the run cannot say (a schema that would need an
 * async run), the input itself: no key is named unread.
 */
function readOfRefused(schema: z.ZodType, input: unknown): unknown {
  try {
    const run = schema._zod.run({ value: input, issues: [] }, { async: false })
    if (!(run instanceof Promise)) return run.value
    run.catch(() => {})
    return input
  } catch {
    return input
  }
}
