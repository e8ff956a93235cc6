import { describe, expect, it } from 'vitest'
import { ApiError } from './errors'
import { FailureCounter, limitedAttempt, SignInThrottle, TokenBuckets, type AttemptOutcome, type SignInKey } from './rate-limit'

const clock = () => {
  let t = 1_700_000_000_000
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

const HOUR = 3_600_000

describe('TokenBuckets', () => {
  it('allows a burst of `capacity`, then says how long to wait, and refills at the given rate', () => {
    const c = clock()
    const buckets = new TokenBuckets({ capacity: 3, refillPerSecond: 0.5, now: c.now })
    expect([1, 2, 3].map(() => buckets.take('a'))).toEqual([0, 0, 0])
    // Empty: one token comes back in 2 s.
    expect(buckets.take('a')).toBe(2)
    // Other keys have their own bucket.
    expect(buckets.take('b')).toBe(0)
    c.advance(1_000)
    expect(buckets.take('a')).toBe(1)
    c.advance(1_000)
    expect(buckets.take('a')).toBe(0)
    expect(buckets.take('a')).toBe(2)
    // Refilling never goes past the capacity, however long the wait.
    c.advance(3_600_000)
    expect([1, 2, 3, 4].map(() => buckets.take('a'))).toEqual([0, 0, 0, 2])
  })

  it('drops a bucket once it has refilled completely, so memory follows the recent visitors only', () => {
    const c = clock()
    const buckets = new TokenBuckets({ capacity: 20, refillPerSecond: 1, now: c.now })
    for (let i = 0; i < 1_000; i++) buckets.take(`visitor ${i}`)
    expect(buckets.size).toBe(1_000)
    // One token each, back within a second: the next sweep finds them all full.
    c.advance(1_000)
    buckets.take('someone else')
    expect(buckets.size).toBe(1)
    // A bucket still refilling is kept, with what it has used.
    for (let i = 0; i < 20; i++) buckets.take('busy')
    c.advance(5_000)
    buckets.take('trigger a sweep')
    expect(buckets.take('busy')).toBe(0)
    expect([1, 2, 3, 4, 5].map(() => buckets.take('busy'))).toEqual([0, 0, 0, 0, 1])
  })
})

describe('limits when the system clock is stepped back', () => {
  it('refill a visitor\'s bucket at its pace, not an hour later, and still drop the refilled ones', () => {
    const c = clock()
    const buckets = new TokenBuckets({ capacity: 20, refillPerSecond: 1, now: c.now })
    for (let i = 0; i < 20; i++) expect(buckets.take('visitor')).toBe(0)
    for (let i = 0; i < 1_000; i++) buckets.take(`passer-by ${i}`)
    expect(buckets.take('visitor')).toBe(1)
    c.advance(-HOUR)
    expect(buckets.take('visitor')).toBe(1)
    c.advance(1_000)
    expect(buckets.take('visitor')).toBe(0)
    // The passers-by's buckets refilled a second after their token, an hour of the clock ago or not.
    expect(buckets.size).toBe(1)
  })

  it('end a sign-in block when its 15 minutes have passed, not the step later', () => {
    const c = clock()
    const throttle = new SignInThrottle(c.now)
    const key = { email: 'ceo@acme.test', network: '192.0.2.9' }
    for (let i = 0; i < 5; i++) {
      throttle.begin(key)
      throttle.settle(key, 'failed')
    }
    expect(throttle.block(key).seconds).toBe(900)
    c.advance(-HOUR)
    expect(throttle.block(key).seconds).toBe(900)
    c.advance(15 * 60_000)
    expect(throttle.block(key).seconds).toBe(0)
  })

  it('pass a step forward through: a limit ends early, never late', () => {
    const c = clock()
    const buckets = new TokenBuckets({ capacity: 1, refillPerSecond: 1 / 60, now: c.now })
    expect(buckets.take('visitor')).toBe(0)
    expect(buckets.take('visitor')).toBe(60)
    c.advance(HOUR)
    expect(buckets.take('visitor')).toBe(0)
  })
})

describe('SignInThrottle', () => {
  const MINUTE = 60_000
  const at = (email: string, network: string) => ({ email, network })
  /** One password check from start to end. */
  const check = (throttle: SignInThrottle, key: SignInKey, outcome: AttemptOutcome) => {
    throttle.begin(key)
    throttle.settle(key, outcome)
  }

  it('blocks an e-mail on one network after 5 failures, for the rest of the 15 minutes, and not elsewhere', () => {
    const c = clock()
    const throttle = new SignInThrottle(c.now)
    for (let i = 0; i < 5; i++) {
      expect(throttle.block(at('Ceo@Acme.test', '192.0.2.9')).seconds).toBe(0)
      check(throttle, at('Ceo@Acme.test', '192.0.2.9'), 'failed')
      c.advance(MINUTE)
    }
    // The first failure was 5 minutes ago: 10 minutes to go, whatever the case of the address.
    expect(throttle.block(at('ceo@acme.test', '192.0.2.9')).seconds).toBe(10 * 60)
    expect(throttle.block(at('ceo@acme.test', '2001:db8::/64')).seconds).toBe(0)
    expect(throttle.block(at('cfo@acme.test', '192.0.2.9')).seconds).toBe(0)
    c.advance(10 * MINUTE)
    expect(throttle.block(at('ceo@acme.test', '192.0.2.9')).seconds).toBe(0)
  })

  it('blocks an e-mail everywhere after 30 failures from many networks; a success clears only its own network', () => {
    const c = clock()
    const throttle = new SignInThrottle(c.now)
    for (let i = 0; i < 4; i++) check(throttle, at('ceo@acme.test', 'home'), 'failed')
    check(throttle, at('ceo@acme.test', 'home'), 'succeeded')
    for (let i = 0; i < 26; i++) {
      expect(throttle.block(at('ceo@acme.test', `198.51.100.${i}`)).seconds).toBe(0)
      check(throttle, at('ceo@acme.test', `198.51.100.${i}`), 'failed')
    }
    // The real user's 4 typos still count towards the account's 30.
    expect(throttle.block(at('ceo@acme.test', 'a fresh network')).seconds).toBe(15 * 60)
    expect(throttle.block(at('ceo@acme.test', 'home')).seconds).toBe(15 * 60)
    expect(throttle.block(at('cfo@acme.test', 'a fresh network')).seconds).toBe(0)
    c.advance(15 * MINUTE)
    expect(throttle.block(at('ceo@acme.test', 'home')).seconds).toBe(0)
  })

  it('counts checks still running as failures: 5 in flight block the sixth, and one that ends in neither frees its place', () => {
    const c = clock()
    const throttle = new SignInThrottle(c.now)
    const key = at('ceo@acme.test', '192.0.2.9')
    for (let i = 0; i < 5; i++) {
      expect(throttle.block(key).seconds).toBe(0)
      throttle.begin(key)
    }
    // Blocked by checks still running, which end within a scrypt's time: try again in a second,
    // not in the 15 minutes they would lock the address for were they all to fail.
    expect(throttle.block(key).seconds).toBe(1)
    throttle.settle(key, 'neither')
    expect(throttle.block(key).seconds).toBe(0)
    for (let i = 0; i < 4; i++) throttle.settle(key, 'failed')
    expect(throttle.block(key).seconds).toBe(0)
    check(throttle, key, 'failed')
    expect(throttle.block(key).seconds).toBe(15 * 60)
  })

  it('says to wait for failures to age out only once enough have been recorded, not while the last of them is still running', () => {
    const c = clock()
    const throttle = new SignInThrottle(c.now)
    const key = at('ceo@acme.test', '192.0.2.9')
    for (let i = 0; i < 4; i++) check(throttle, key, 'failed')
    c.advance(MINUTE)
    throttle.begin(key)
    // A fifth check running: it may yet be the right password (a success clears the 4 typos).
    expect(throttle.block(key).seconds).toBe(1)
    throttle.settle(key, 'failed')
    // Now 5 failures are recorded: the first is a minute old, 14 minutes to go.
    expect(throttle.block(key).seconds).toBe(14 * 60)
  })

  it('blocks one network after 50 failures over any e-mails (a password sprayed over many accounts), and not other networks', () => {
    const c = clock()
    const throttle = new SignInThrottle(c.now)
    for (let i = 0; i < 50; i++) {
      const key = at(`person${i}@acme.test`, '198.51.100.7')
      expect(throttle.block(key).seconds, `attempt ${i + 1}`).toBe(0)
      check(throttle, key, 'failed')
      c.advance(1000)
    }
    // The 51st e-mail, never tried, from that address: blocked until the first failure ages out.
    expect(throttle.block(at('fresh@acme.test', '198.51.100.7')).seconds).toBe(15 * 60 - 50)
    expect(throttle.block(at('fresh@acme.test', '198.51.100.8')).seconds).toBe(0)
    // Signing in to an account of one's own does not start the count again.
    check(throttle, at('sprayer@own.test', '198.51.100.7'), 'succeeded')
    expect(throttle.block(at('fresh@acme.test', '198.51.100.7')).seconds).toBeGreaterThan(0)
    c.advance(15 * 60_000)
    expect(throttle.block(at('fresh@acme.test', '198.51.100.7')).seconds).toBe(0)
  })
})

describe('limitedAttempt', () => {
  const wrong = new Error('wrong password')
  const isWrong = (err: unknown) => err === wrong

  it('lets at most the limit of parallel checks run, answers the rest 429 with Retry-After, and takes back what did not fail', async () => {
    const c = clock()
    const failures = new FailureCounter(3, 15 * 60_000, c.now)
    let running = 0
    let peak = 0
    const slowCheck = (ok: boolean) => async () => {
      peak = Math.max(peak, ++running)
      await new Promise((r) => setTimeout(r, 10))
      running--
      if (!ok) throw wrong
      return 'signed in'
    }
    const burst = await Promise.allSettled([false, false, true, false, true].map((ok) => limitedAttempt(failures, 'ceo', { failures: 'Too many', checks: 'Checking' }, slowCheck(ok), isWrong)))
    expect(burst.map((r) => (r.status === 'fulfilled' ? r.value : r.reason === wrong ? 'wrong' : (r.reason as ApiError).status))).toEqual([
      'wrong',
      'wrong',
      'signed in',
      429,
      429,
    ])
    // Refused while the first 3 ran: a second's wait, the time for them to end.
    expect(((burst[3] as PromiseRejectedResult).reason as ApiError).headers).toEqual({ 'Retry-After': '1' })
    // …and told that checks are running, not that attempts failed: none of them had.
    expect(((burst[3] as PromiseRejectedResult).reason as ApiError).message).toBe('Checking')
    expect(peak).toBe(3)
    // The success cleared the count; an error that is no wrong password counts nothing.
    await expect(limitedAttempt(failures, 'ceo', { failures: 'Too many', checks: 'Checking' }, () => Promise.reject(new Error('used link')), isWrong)).rejects.toThrow('used link')
    expect(failures.block('ceo').seconds).toBe(0)
  })
})
