// In-memory token buckets. One server process owns the SQLite file, so per-process state is
// the whole picture; buckets that have refilled completely are dropped to bound memory.
export interface TokenBucketOptions {
  /** Tokens available at once (the burst). */
  capacity: number
  /** Tokens added per second. */
  refillPerSecond: number
  now: () => number
}

export class TokenBuckets {
  private buckets = new Map<string, { tokens: number; at: number }>()
  private lastSweep = 0
  constructor(private readonly options: TokenBucketOptions) {}

  /** Takes a token; returns 0 when allowed, else the seconds until one is available. */
  take(key: string): number {
    const { capacity, refillPerSecond, now } = this.options
    const t = now()
    this.sweep(t)
    const b = this.buckets.get(key) ?? { tokens: capacity, at: t }
    b.tokens = Math.min(capacity, b.tokens + ((t - b.at) / 1000) * refillPerSecond)
    b.at = t
    this.buckets.set(key, b)
    if (b.tokens >= 1) {
      b.tokens -= 1
      return 0
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / refillPerSecond))
  }

  private sweep(t: number) {
    if (t - this.lastSweep < 60_000) return
    this.lastSweep = t
    const full = (this.options.capacity / this.options.refillPerSecond) * 1000
    for (const [k, b] of this.buckets) if (t - b.at > full) this.buckets.delete(k)
  }
}

/** Counts failures in a sliding window (login throttling). */
export class FailureCounter {
  private failures = new Map<string, number[]>()
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Seconds until another attempt is allowed, or 0. */
  blockedFor(key: string): number {
    const t = this.now()
    const list = (this.failures.get(key) ?? []).filter((at) => t - at < this.windowMs)
    if (list.length) this.failures.set(key, list)
    else this.failures.delete(key)
    if (list.length < this.max) return 0
    return Math.max(1, Math.ceil((list[0]! + this.windowMs - t) / 1000))
  }

  fail(key: string) {
    const t = this.now()
    // Spraying many e-mails must not grow memory without bound: drop windows that have passed.
    if (this.failures.size > 10_000) {
      for (const [k, list] of this.failures) if (t - list[list.length - 1]! >= this.windowMs) this.failures.delete(k)
    }
    const list = this.failures.get(key) ?? []
    list.push(t)
    this.failures.set(key, list)
  }

  clear(key: string) {
    this.failures.delete(key)
  }
}
