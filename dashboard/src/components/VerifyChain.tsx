import { useEffect, useRef, useState } from 'preact/hooks'
import { ApiRequestError } from '../api'
import type { ChainVerification } from '@miniconsent/shared'
import { describeVerification } from '../chain-verification'
import { useSession } from '../session'

type State =
  | { status: 'idle' }
  | { status: 'running' }
  | { status: 'done'; result: ChainVerification }
  | { status: 'failed'; message: string }

/** Recomputes the site's hash chain on the server, so an auditor sees whether any record was edited or removed. */
export function VerifyChain({ siteId }: { siteId: string }) {
  const { api } = useSession()
  const [state, setState] = useState<State>({ status: 'idle' })
  const alive = useRef(true)
  useEffect(
    () => () => {
      alive.current = false
    },
    [],
  )

  async function verify() {
    setState({ status: 'running' })
    try {
      const result = await api.verifyChain(siteId)
      if (alive.current) setState({ status: 'done', result })
    } catch (err) {
      if (!alive.current) return
      const message = err instanceof ApiRequestError ? err.message : 'Something went wrong.'
      setState({ status: 'failed', message: `Could not verify the chain: ${message}` })
    }
  }

  const broken = state.status === 'done' && !state.result.ok
  return (
    <section class="verify-chain" aria-labelledby="verify-chain-heading">
      <h2 id="verify-chain-heading" class="small-heading">
        Integrity
      </h2>
      <p class="muted">Each record holds the hash of the one before it, so an edited or deleted record breaks the chain.</p>
      <button type="button" onClick={verify} disabled={state.status === 'running'}>
        Verify chain
      </button>
      <div
        role="status"
        class={
          'verify-result' + (broken || state.status === 'failed' ? ' is-bad' : state.status === 'done' ? ' is-good' : '')
        }
      >
        {state.status === 'running' && 'Verifying the chain…'}
        {state.status === 'done' && describeVerification(state.result)}
        {state.status === 'failed' && state.message}
      </div>
    </section>
  )
}
