// At most so many of one kind of heavy work at once (exports, chain verifications): each holds a
// thread, a read snapshot and most of a core; past the bound a request is refused with 429 and
// Retry-After rather than slowing every other one and the ingestion down.
import { ApiError } from './errors'

export interface WorkSlots {
  /**
   * Takes a place for `holder` (an account), or throws 429; the function returned frees it once,
   * however often it is called.
   */
  take(holder?: string): () => void
}

/**
 * `what` names the work in the plural ("exports"); `code` is the 429's error code. One holder
 * takes at most `perHolder` of the `max` places, so that one account cannot hold them all.
 */
export function workSlots(max: number, code: string, what: string, retryAfterSeconds: number, perHolder = max): WorkSlots {
  let running = 0
  const byHolder = new Map<string, number>()
  return {
    take(holder = '') {
      const mine = byHolder.get(holder) ?? 0
      if (running >= max || mine >= perHolder) {
        const message = running >= max ? `${max} ${what} are running` : `${mine} of your ${what} are running, as many as one account may run at once`
        throw new ApiError(429, code, `${message}; try again when one has finished`, { 'Retry-After': String(retryAfterSeconds) })
      }
      running += 1
      byHolder.set(holder, mine + 1)
      let held = true
      return () => {
        if (!held) return
        held = false
        running -= 1
        const left = byHolder.get(holder)! - 1
        if (left) byHolder.set(holder, left)
        else byHolder.delete(holder)
      }
    },
  }
}
