import { scrypt } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'

// Each scrypt's work (its p) as the sign-in check starts it, and the order of starts and ends.
const costs: number[] = []
const events: string[] = []
vi.mock('node:crypto', async (original) => {
  const crypto = await original<typeof import('node:crypto')>()
  return {
    ...crypto,
    scrypt: (...args: Parameters<typeof crypto.scrypt>) => {
      const p = (args[3] as { p: number }).p
      costs.push(p)
      events.push(`start ${p}`)
      const done = args[4] as (err: Error | null, key: Buffer) => void
      return (crypto.scrypt as (...a: unknown[]) => void)(args[0], args[1], args[2], args[3], (err: Error | null, key: Buffer) => {
        events.push(`end ${p}`)
        done(err, key)
      })
    },
  }
})

// Today's parameters, not the lower N the other server tests hash with (vitest.config.ts).
delete process.env.MINICONSENT_TEST_SCRYPT_N
const { checkSignIn, hashPassword } = await import('./password')

/** A hash as 0.8.4 stored it: N=2^14, r=8, p=1, a fifth of today's work. */
function weakHash(password: string): Promise<string> {
  const salt = Buffer.from('0123456789abcdef')
  return new Promise((resolve, reject) =>
    scrypt(password, salt, 64, { N: 16384, r: 8, p: 1 }, (err, key) => (err ? reject(err) : resolve(['scrypt', 16384, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$')))),
  )
}

describe('hashing', () => {
  it("hashes at OWASP's scrypt minimum: N=2^14, r=8, p=5, a 16-byte salt, a 64-byte key", async () => {
    const [scheme, n, r, p, salt, key] = (await hashPassword('a password')).split('$')
    expect([scheme, n, r, p]).toEqual(['scrypt', '16384', '8', '5'])
    expect(Buffer.from(salt!, 'base64url')).toHaveLength(16)
    expect(Buffer.from(key!, 'base64url')).toHaveLength(64)
  })
})

describe('the sign-in check', () => {
  it('costs at least one check at today’s parameters whatever the account, so that timing does not single out an old hash', async () => {
    const current = await hashPassword('right password')
    const weak = await weakHash('right password')
    await checkSignIn('warm-up', undefined) // the dummy hashes, made once
    const run = async (password: string, stored: string | undefined) => {
      costs.length = 0
      events.length = 0
      const ok = await checkSignIn(password, stored)
      return { ok, costs: [...costs] }
    }
    // Whatever the account, one check at today's cost and one at 0.8.4's, both started before either ends.
    for (const [password, stored, ok] of [
      ['wrong', undefined, false],
      ['wrong', current, false],
      // Before: one check at p=1 alone, ~5 times faster than an unknown e-mail's; then, with a
      // dummy check after it, ~40 % slower.
      ['wrong', weak, false],
      ['right password', weak, true],
      ['right password', current, true],
    ] as const) {
      expect(await run(password, stored), `${password}, ${stored?.split('$')[3]}`).toEqual({ ok, costs: [5, 1] })
      expect(events.slice(0, 2)).toEqual(['start 5', 'start 1'])
    }
  })
})
