import { useEffect, useRef } from 'preact/hooks'
import type { z } from 'zod'
import { ApiRequestError } from '../api'
import { exportManifest } from '../api-shapes'
import type { ChainVerification } from '@miniconsent/shared'
import { describeVerification } from '../chain-verification'
import { useSession } from '../session'
import { useActionState } from './site-page'
import { ActionButton, inactiveWhile } from './actions'

type State =
  | { status: 'idle' }
  | { status: 'running'; against?: string }
  | { status: 'done'; result: ChainVerification }
  | { status: 'failed'; message: string }

/** The server takes admin bodies up to 1 MB; a manifest is a few KB, an export picked by mistake may be gigabytes. */
const MAX_MANIFEST_BYTES = 1024 * 1024

/**
 * Recomputes the site's hash chain on the server, so an auditor sees whether any record was edited or removed;
 * against a manifest saved outside the server it also catches the newest records deleted with the manifests' rows.
 */
export function VerifyChain({ siteId }: { siteId: string }) {
  const { api } = useSession()
  const [state, setState] = useActionState<State>({ status: 'idle' })
  // Aborted when the page goes: the verification's request ends, and with it the server's thread
  // and any wait for a busy server (api.ts), rather than run on for nobody.
  const gone = useRef(new AbortController())
  useEffect(() => {
    // A hot update runs the effect again with the refs kept: its controller, aborted, is replaced.
    if (gone.current.signal.aborted) gone.current = new AbortController()
    return () => gone.current.abort()
  }, [])

  async function run(against: string | undefined, verification: () => Promise<ChainVerification>) {
    setState(against === undefined ? { status: 'running' } : { status: 'running', against })
    const failed = against === undefined ? 'Could not verify the chain' : `Could not verify the chain against ${against}`
    try {
      const result = await verification()
      if (!gone.current.signal.aborted) setState({ status: 'done', result })
    } catch (err) {
      if (gone.current.signal.aborted) return
      const notManifest = notAManifest(err)
      if (notManifest) {
        setState({ status: 'failed', message: `${failed}. ${notManifest}` })
        return
      }
      const message = err instanceof ApiRequestError || err instanceof ManifestFileError ? err.message : 'Something went wrong.'
      setState({ status: 'failed', message: `${failed}: ${message}` }, err)
    }
  }

  const verify = () => run(undefined, () => api.verifyChain(siteId, gone.current.signal))
  const verifyWith = (file: File) => run(file.name, async () => api.verifyChainWith(siteId, await readManifest(file), gone.current.signal))

  const running = state.status === 'running'
  const broken = state.status === 'done' && !state.result.ok
  return (
    <section class="verify-chain" aria-labelledby="verify-chain-heading">
      <h2 id="verify-chain-heading" class="small-heading">
        Integrity
      </h2>
      <p class="muted">Each record holds the hash of the one before it, so an edited or deleted record breaks the chain.</p>
      {/* Inactive rather than disabled while it runs, as the file input: keyboard focus stays on them (inactiveWhile). */}
      <ActionButton onClick={() => void verify()} inactive={running}>
        Verify chain
      </ActionButton>
      <div class="field">
        <label for="verify-chain-manifest">Check against a saved manifest (JSON)</label>
        <input
          id="verify-chain-manifest"
          type="file"
          accept="application/json,.json"
          aria-describedby="verify-chain-manifest-hint"
          {...inactiveWhile(running)}
          onChange={(e) => {
            const input = e.currentTarget
            const file = input.files?.[0]
            // Emptied, so that picking the same file again checks again.
            if (file) void verifyWith(file).finally(() => (input.value = ''))
          }}
        />
        <p id="verify-chain-manifest-hint" class="muted">
          The file “Download the manifest” gave after an export, unchanged. Kept outside the server, it also reveals the
          newest records deleted, even when the server's own copy of the manifest was deleted with them.
        </p>
      </div>
      <div
        role="status"
        class={
          'verify-result' + (broken || state.status === 'failed' ? ' is-bad' : state.status === 'done' ? ' is-good' : '')
        }
      >
        {state.status === 'running' &&
          (state.against === undefined ? 'Verifying the chain…' : `Verifying the chain against ${state.against}…`)}
        {state.status === 'done' && describeVerification(state.result)}
        {state.status === 'failed' && state.message}
      </div>
    </section>
  )
}

/** A file that cannot be a manifest, told before anything is sent. */
class ManifestFileError extends Error {}

/** A JSON object that is not an export manifest; `message` says what of one it lacks, in words. */
class NotAManifestError extends Error {}

const CHOOSE_MANIFEST = 'Choose the file “Download the manifest” saved after an export.'

/**
 * The sentence for a file that is no export manifest, found here or by the server (400
 * invalid_manifest, whose detail is zod's, kept in brackets): not the raw validation output (review).
 */
function notAManifest(err: unknown): string | null {
  if (err instanceof NotAManifestError) return err.message
  if (err instanceof ApiRequestError && err.code === 'invalid_manifest') {
    return `This file is not an export manifest of MiniConsent (the server found: ${err.message.replace(/^Not an export manifest:\s*/, '')}). ${CHOOSE_MANIFEST}`
  }
  return null
}

const EXPECTED: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  object: 'an object',
  array: 'a list',
  boolean: 'true or false',
}

/** Names at most three, then how many more. */
function someOf(names: string[]): string {
  const shown = names.slice(0, 3).map((n) => `“${n}”`)
  const more = names.length - shown.length
  if (more > 0) return `${shown.join(', ')} and ${more} more`
  return shown.length > 1 ? `${shown.slice(0, -1).join(', ')} and ${shown.at(-1)}` : shown[0]!
}

/** What `value` lacks or holds wrongly of an export manifest, in one sentence. */
function manifestProblems(issues: readonly z.core.$ZodIssue[], value: Record<string, unknown>): string {
  const missing: string[] = []
  const wrong: string[] = []
  for (const issue of issues) {
    const field = issue.path.map(String).join('.')
    if (!field || missing.includes(field) || wrong.some((w) => w.startsWith(`“${field}”`))) continue
    let at: unknown = value
    for (const key of issue.path) at = typeof at === 'object' && at !== null ? (at as Record<PropertyKey, unknown>)[key] : undefined
    if (at === undefined) missing.push(field)
    else if (issue.code === 'invalid_type' && EXPECTED[issue.expected]) wrong.push(`“${field}” is not ${EXPECTED[issue.expected]}`)
    else wrong.push(`“${field}” does not hold a valid value`)
  }
  const parts: string[] = []
  if (missing.length) parts.push(`it has no ${someOf(missing)} ${missing.length === 1 ? 'field' : 'fields'}`)
  if (wrong.length) parts.push(wrong.slice(0, 3).join(', ') + (wrong.length > 3 ? ` and ${wrong.length - 3} more are not valid` : ''))
  return `This file is not an export manifest of MiniConsent: ${parts.join('; ')}. ${CHOOSE_MANIFEST}`
}

/** The manifest as saved, unchanged: its signature covers every field as the server sent it. */
async function readManifest(file: File): Promise<Record<string, unknown>> {
  if (file.size > MAX_MANIFEST_BYTES) throw new ManifestFileError('the file is too large to be an export manifest.')
  let text: string
  try {
    text = await file.text()
  } catch {
    throw new ManifestFileError('the file could not be read.')
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new ManifestFileError('the file is not JSON. Choose the manifest saved from an export.')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ManifestFileError('the file holds no JSON object, so it is not an export manifest.')
  }
  // Checked by the schema the server checks it with: sent, it would come back as zod's words.
  const parsed = exportManifest.safeParse(value)
  if (!parsed.success) throw new NotAManifestError(manifestProblems(parsed.error.issues, value as Record<string, unknown>))
  return value as Record<string, unknown>
}
