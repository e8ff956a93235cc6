import { describe, expect, it } from 'vitest'
import { SignInThrottle, TokenBuckets } from './rate-limit'

const clock = () => {
  let t = 1_700_000_000_000
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

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

describe('SignInThrottle', () => {
  const MINUTE = 60_000

  it('blocks an e-mail on one network after 5 failures, for the rest of the 15 minutes, and not elsewhere', () => {
    const c = clock()
    const throttle = new SignInThrottle(c.now)
    for (let i = 0; i < 5; i++) {
      expect(throttle.blockedFor('Ceo@Acme.test', '192.0.2.9')).toBe(0)
      throttle.fail('Ceo@Acme.test', '192.0.2.9')
      c.advance(MINUTE)
    }
    // The first failure was 5 minutes ago: 10 minutes to go, whatever the case of the address.
    expect(throttle.blockedFor('ceo@acme.test', '192.0.2.9')).toBe(10 * 60)
    expect(throttle.blockedFor('ceo@acme.test', '2001:db8::/64')).toBe(0)
    expect(throttle.blockedFor('cfo@acme.test', '192.0.2.9')).toBe(0)
    c.advance(10 * MINUTE)
    expect(throttle.blockedFor('ceo@acme.test', '192.0.2.9')).toBe(0)
  })

  it('blocks an e-mail everywhere after 30 failures from many networks; a success clears only its own network', () => {
    const c = clock()
    const throttle = new SignInThrottle(c.now)
    for (let i = 0; i < 4; i++) throttle.fail('ceo@acme.test', 'home')
    throttle.succeeded('ceo@acme.test', 'home')
    for (let i = 0; i < 26; i++) {
      expect(throttle.blockedFor('ceo@acme.test', `198.51.100.${i}`)).toBe(0)
      throttle.fail('ceo@acme.test', `198.51.100.${i}`)
    }
    // The real user's 4 typos still count towards the account's 30.
    expect(throttle.blockedFor('ceo@acme.test', 'a fresh network')).toBe(15 * 60)
    expect(throttle.blockedFor('ceo@acme.test', 'home')).toBe(15 * 60)
    expect(throttle.blockedFor('cfo@acme.test', 'a fresh network')).toBe(0)
    c.advance(15 * MINUTE)
    expect(throttle.blockedFor('ceo@acme.test', 'home')).toBe(0)
  })
})
