import { scrypt } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'

// Counts each scrypt's work (its p) as the sign-in check runs them.
const costs: number[] = []
vi.mock('node:crypto', async (original) => {
  const crypto = await original<typeof import('node:crypto')>()
  return {
    ...crypto,
    scrypt: (...args: Parameters<typeof crypto.scrypt>) => {
      costs.push((args[3] as { p: number }).p)
      return (crypto.scrypt as (...a: unknown[]) => void)(...args)
    },
  }
})

const { checkSignIn, hashPassword } = await import('./password')

/** A hash as 0.8.4 stored it: N=2^14, r=8, p=1, a fifth of today's work. */
function weakHash(password: string): Promise<string> {
  const salt = Buffer.from('0123456789abcdef')
  return new Promise((resolve, reject) =>
    scrypt(password, salt, 64, { N: 16384, r: 8, p: 1 }, (err, key) => (err ? reject(err) : resolve(['scrypt', 16384, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$')))),
  )
}

describe('the sign-in check', () => {
  it('costs at least one check at today’s parameters whatever the account, so that timing does not single out an old hash', async () => {
    const current = await hashPassword('right password')
    const weak = await weakHash('right password')
    await checkSignIn('warm-up', undefined) // the dummy hash, made once
    const run = async (password: string, stored: string | undefined) => {
      costs.length = 0
      const ok = await checkSignIn(password, stored)
      return { ok, costs: [...costs] }
    }
    expect(await run('wrong', undefined)).toEqual({ ok: false, costs: [5] })
    expect(await run('wrong', current)).toEqual({ ok: false, costs: [5] })
    // Before: one check at p=1 alone, ~5 times faster than an unknown e-mail's.
    expect(await run('wrong', weak)).toEqual({ ok: false, costs: [1, 5] })
    expect(await run('right password', weak)).toEqual({ ok: true, costs: [1] })
    expect(await run('right password', current)).toEqual({ ok: true, costs: [5] })
  })
})
