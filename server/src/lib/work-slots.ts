// At most so many of one kind of heavy work at once (exports, chain verifications): each holds a
// thread, a read snapshot and most of a core; past the bound a request is refused with 429 and
// Retry-After rather than slowing every other one and the ingestion down.
import { ApiError } from './errors'

export interface WorkSlots {
  /** Takes a place, or throws 429; the function returned frees it once, however often it is called. */
  take(): () => void
}

/** `what` names the work in the plural ("exports"); `code` is the 429's error code. */
export function workSlots(max: number, code: string, what: string, retryAfterSeconds: number): WorkSlots {
  let running = 0
  return {
    take() {
      if (running >= max) {
        throw new ApiError(429, code, `${max} ${what} are running; try again when one has finished`, { 'Retry-After': String(retryAfterSeconds) })
      }
      running += 1
      let held = true
      return () => {
        if (held) running -= 1
        held = false
      }
    },
  }
}
