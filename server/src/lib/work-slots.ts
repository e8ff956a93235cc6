// At most so many of one kind of heavy work at once (exports, chain verifications): each holds a
// thread, a read snapshot and most of a core; past the bound a request is refused with 429 and
// Retry-After rather than slowing every other one and the ingestion down.
import { ApiError } from './errors'

export interface WorkSlots {
  /**
   * Takes a place for an account (`account`) on a site (`site`), or throws 429; the function
   * returned frees it once, however often it is called.
   */
  take(holders?: { account?: string; site?: string }): () => void
}

/** How many of the places one account, and one site, may hold (all of them unless said). */
export interface SlotShares {
  perAccount?: number
  perSite?: number
}

/**
 * `what` names the work in the plural ("exports"); `code` is the 429's error code. One account
 * takes at most `perAccount` of the `max` places, so that it cannot hold them all; one site at most
 * `perSite`, so that the accounts of one site cannot hold them all against every other site.
 */
export function workSlots(max: number, code: string, what: string, retryAfterSeconds: number, shares: SlotShares = {}): WorkSlots {
  let running = 0
  const byAccount = new Map<string, number>()
  const bySite = new Map<string, number>()
  const { perAccount = max, perSite = max } = shares
  const refuse = (message: string) => new ApiError(429, code, `${message}; try again when one has finished`, { 'Retry-After': String(retryAfterSeconds) })
  const add = (counts: Map<string, number>, key: string, n: number) => {
    const next = (counts.get(key) ?? 0) + n
    if (next) counts.set(key, next)
    else counts.delete(key)
  }
  return {
    take({ account = '', site = '' } = {}) {
      const mine = byAccount.get(account) ?? 0
      const ofSite = bySite.get(site) ?? 0
      if (running >= max) throw refuse(`${max} ${what} are running`)
      if (mine >= perAccount) throw refuse(`${mine} of your ${what} are running, as many as one account may run at once`)
      if (ofSite >= perSite) throw refuse(`${ofSite} ${what} of this site are running, as many as one site may run at once`)
      running += 1
      add(byAccount, account, 1)
      add(bySite, site, 1)
      let held = true
      return () => {
        if (!held) return
        held = false
        running -= 1
        add(byAccount, account, -1)
        add(bySite, site, -1)
      }
    },
  }
}
