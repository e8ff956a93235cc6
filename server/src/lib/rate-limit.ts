// In-memory token buckets. One server process owns the SQLite file, so per-process state is
// the whole picture; buckets that have refilled completely are dropped to bound memory.
import { ApiError } from './errors'

export interface TokenBucketOptions {
  /** Tokens available at once (the burst). */
  capacity: number
  /** Tokens added per second. */
  refillPerSecond: number
  now: () => number
}

/** How often buckets that have refilled are dropped. */
const SWEEP_MS = 1_000

/**
 * `now` (the wall clock, or a test's) as limits count time: never going back. When the system
 * clock is stepped back (an NTP correction, a restored VM), what a limit stamped before the step
 * would lie in the future: a visitor's bucket would stay empty, and a failed sign-in count, for as
 * long as the step, and no bucket stamped before it would be dropped as refilled until then (an
 * hour's step: an hour of visitors kept in memory). Stepped back, this time stands still for that
 * moment and goes on from there at the clock's pace. A step forward passes through: limits then
 * end early, never late.
 */
export function steadyClock(now: () => number): () => number {
  let last = -Infinity
  let behind = 0
  return () => {
    const t = now() + behind
    if (t < last) behind += last - t
    else last = t
    return last
  }
}

/**
 * Each bucket is one number: the time at which it is full again (the generic cell rate
 * algorithm's form of a token bucket). A bucket past that time is the same as no bucket, so the
 * sweep drops every bucket as soon as it has refilled, not some fixed time after its last use:
 * ingestion sees a new visitor address per record, and buckets kept for a minute at a few
 * thousand records per second were hundreds of thousands of live objects for the collector to
 * mark again and again (measured: ~25 µs per record on V8's marking threads).
 */
export class TokenBuckets<K extends string | number = string> {
  private fullAt = new Map<K, number>()
  private lastSweep = 0
  private readonly now: () => number
  constructor(private readonly options: TokenBucketOptions) {
    this.now = steadyClock(options.now)
  }

  /** Takes a token; returns 0 when allowed, else the seconds until one is available. */
  take(key: K): number {
    const { capacity, refillPerSecond } = this.options
    const t = this.now()
    if (t - this.lastSweep >= SWEEP_MS) this.sweep(t)
    const msPerToken = 1000 / refillPerSecond
    const fullAt = Math.max(this.fullAt.get(key) ?? t, t)
    // Tokens left: the capacity less those still to be refilled until fullAt.
    const tokens = capacity - (fullAt - t) / msPerToken
    if (tokens >= 1) {
      this.fullAt.set(key, fullAt + msPerToken)
      return 0
    }
    return Math.max(1, Math.ceil((1 - tokens) / refillPerSecond))
  }

  /** Buckets held (refilled ones are dropped within a second). */
  get size(): number {
    return this.fullAt.size
  }

  /**
   * Keeps the buckets still refilling in a new map. Deleting the refilled ones instead (nearly all,
   * under ingestion: a new visitor per record) left the map to shrink and grow again, which cost
   * each take() twice as much (measured: ~1.2 against ~0.9 µs).
   */
  private sweep(t: number) {
    this.lastSweep = t
    const kept = new Map<K, number>()
    this.fullAt.forEach((fullAt, k) => {
      if (fullAt > t) kept.set(k, fullAt)
    })
    this.fullAt = kept
  }
}

/** How a password check under a limit ended: a success may clear the count; `neither` (a malformed request, a used link) counts nothing. */
export type AttemptOutcome = 'failed' | 'succeeded' | 'neither'

/**
 * Whether attempts are refused, for how long (`seconds`, 0 when they are not), and why: `failures`
 * recorded reach the limit, or, short of it, attempts still in flight fill it (`checks`), a block
 * that ends when they do.
 */
export interface Block {
  seconds: number
  cause: 'failures' | 'checks'
}

/** Refused attempts are told the cause of their block: failures are not to be told of checks that may all succeed. */
export interface BlockedMessages {
  /** Recorded failures reach the limit (the Retry-After of their ageing out). */
  failures: string
  /** Attempts still in flight fill it (Retry-After: 1). */
  checks: string
}

/** A limit on failed attempts per key (`FailureCounter`, `SignInThrottle`). */
export interface AttemptLimit<K> {
  /**
   * The block on another attempt (`seconds` 0: allowed). Attempts in flight count as failures; a
   * block they make, short of the limit in failures, says 1 (they end soon, and may not fail).
   */
  block(key: K): Block
  /** Counts an attempt as in flight until it settles. */
  begin(key: K): void
  settle(key: K, outcome: AttemptOutcome): void
}

/**
 * Runs `attempt` (a password check) under `limit`: 429 `too_many_attempts` with Retry-After while
 * it is blocked, with the message of its cause (`messages`); `failed` tells which errors count.
 * The attempt counts against the limit from before it starts until it settles: checks take ~50 ms
 * of scrypt, and counting a failure only once it was known let a burst of parallel guesses all be
 * checked, the right one among them.
 */
export async function limitedAttempt<K, T>(
  limit: AttemptLimit<K>,
  key: K,
  messages: BlockedMessages,
  attempt: () => Promise<T>,
  failed: (err: unknown) => boolean,
): Promise<T> {
  const blocked = limit.block(key)
  if (blocked.seconds > 0) throw new ApiError(429, 'too_many_attempts', messages[blocked.cause], { 'Retry-After': String(blocked.seconds) })
  limit.begin(key)
  let outcome: AttemptOutcome = 'neither'
  try {
    const result = await attempt()
    outcome = 'succeeded'
    return result
  } catch (err) {
    if (failed(err)) outcome = 'failed'
    throw err
  } finally {
    limit.settle(key, outcome)
  }
}

/** Retry-After of a block made by checks still running (`FailureCounter.block`): the least Retry-After says. */
const IN_FLIGHT_RETRY_SECONDS = 1

/** Counts failures in a sliding window (login throttling), and attempts still in flight with them. */
export class FailureCounter implements AttemptLimit<string> {
  private failures = new Map<string, number[]>()
  private inFlight = new Map<string, number>()
  private lastSweep = 0
  private readonly now: () => number
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    now: () => number,
  ) {
    this.now = steadyClock(now)
  }

  block(key: string): Block {
    const t = this.now()
    const list = (this.failures.get(key) ?? []).filter((at) => t - at < this.windowMs)
    if (list.length) this.failures.set(key, list)
    else this.failures.delete(key)
    const count = list.length + (this.inFlight.get(key) ?? 0)
    if (count < this.max) return { seconds: 0, cause: 'checks' }
    // Short of the limit in recorded failures, the block is the checks still running: it ends
    // when they do, within a scrypt's time, unless enough of them fail, which a retry then hears.
    // Telling the wait their failures would make (up to the window) told a user whose own parallel
    // sign-ins, all right, filled the limit to wait 15 minutes for a lock gone milliseconds later.
    // Nor is it told of failed attempts: none of those running may fail.
    if (list.length < this.max) return { seconds: IN_FLIGHT_RETRY_SECONDS, cause: 'checks' }
    // Enough failures recorded: the wait is until enough of them have aged out.
    const oldest = list[list.length - this.max]!
    return { seconds: Math.max(1, Math.ceil((oldest + this.windowMs - t) / 1000)), cause: 'failures' }
  }

  begin(key: string) {
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1)
  }

  settle(key: string, outcome: AttemptOutcome) {
    const left = (this.inFlight.get(key) ?? 1) - 1
    if (left > 0) this.inFlight.set(key, left)
    else this.inFlight.delete(key)
    if (outcome === 'failed') this.fail(key)
    else if (outcome === 'succeeded') this.failures.delete(key)
  }

  private fail(key: string) {
    const t = this.now()
    // Spraying many e-mails must not grow memory without bound: drop windows that have passed,
    // at most once a second (a map that stays large with live windows is not walked per failure).
    if (this.failures.size > 10_000 && t - this.lastSweep >= 1000) {
      this.lastSweep = t
      for (const [k, list] of this.failures) if (t - list[list.length - 1]! >= this.windowMs) this.failures.delete(k)
    }
    const list = this.failures.get(key) ?? []
    list.push(t)
    this.failures.set(key, list)
  }
}

/**
 * Failed password checks against an account, from sign-in and from accepting an invitation for
 * an address that has an account: both check the same password, so failures on either count
 * together.
 *
 * Three limits, each over 15 minutes:
 * - 5 failures for an e-mail from one client network (an IPv4 address or an IPv6 /64, see
 *   `clientNetwork`): a person who mistypes a few times is not held up, one guesser is.
 * - 30 failures for an e-mail from anywhere: a guesser spread over many networks gets 30 tries
 *   per 15 minutes, ~2,900 a day, too few for a password of 12 or more characters, while 6
 *   networks' worth of honest typos still get through. The cost is that anyone can keep an
 *   account locked by spending 30 wrong guesses every 15 minutes; the owner then waits for the
 *   window, which beats letting a botnet guess without limit.
 * - 50 failures from one client network, whatever the e-mails: one address spraying a common
 *   password over many accounts is stopped, and so is one flooding the server with checks (each
 *   costs a scrypt on the thread pool the real users' sign-ins wait for). An office behind one
 *   address has room for many colleagues' typos.
 * Checks still running count as failures until they end, so parallel guesses get no more tries.
 * Failures age out on their own, so the right password works again once the window has passed.
 * A success clears only its own e-mail's count on its network: clearing the account's would hand
 * a spread-out guesser a fresh 30 every time the real user signs in, and clearing the network's
 * would let a sprayer start again by signing in to an account of their own.
 */
export class SignInThrottle implements AttemptLimit<SignInKey> {
  static readonly WINDOW_MS = 15 * 60 * 1000
  static readonly PER_NETWORK = 5
  static readonly PER_ACCOUNT = 30
  static readonly PER_CLIENT = 50
  private readonly perNetwork: FailureCounter
  private readonly perAccount: FailureCounter
  private readonly perClient: FailureCounter

  constructor(now: () => number) {
    this.perNetwork = new FailureCounter(SignInThrottle.PER_NETWORK, SignInThrottle.WINDOW_MS, now)
    this.perAccount = new FailureCounter(SignInThrottle.PER_ACCOUNT, SignInThrottle.WINDOW_MS, now)
    this.perClient = new FailureCounter(SignInThrottle.PER_CLIENT, SignInThrottle.WINDOW_MS, now)
  }

  /** The longest of the three limits' blocks; one of failures, if any limit has it, is the cause. */
  block({ email, network }: SignInKey): Block {
    const blocks = [this.perNetwork.block(networkKey(email, network)), this.perAccount.block(accountKey(email)), this.perClient.block(network)]
    const seconds = Math.max(...blocks.map((b) => b.seconds))
    return { seconds, cause: blocks.some((b) => b.seconds > 0 && b.cause === 'failures') ? 'failures' : 'checks' }
  }

  begin({ email, network }: SignInKey) {
    this.perNetwork.begin(networkKey(email, network))
    this.perAccount.begin(accountKey(email))
    this.perClient.begin(network)
  }

  settle({ email, network }: SignInKey, outcome: AttemptOutcome) {
    const notClearing = outcome === 'succeeded' ? 'neither' : outcome
    this.perNetwork.settle(networkKey(email, network), outcome)
    this.perAccount.settle(accountKey(email), notClearing)
    this.perClient.settle(network, notClearing)
  }
}

/** The account's e-mail and the client's network (`clientNetwork`). */
export interface SignInKey {
  email: string
  network: string
}

const accountKey = (email: string) => email.trim().toLowerCase()
const networkKey = (email: string, network: string) => `${accountKey(email)}\n${network}`
