// Password hashing with scrypt from node:crypto; the stored string carries its own parameters
// (`scrypt$N$r$p$salt$hash`), so they can be raised later without breaking old hashes.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

// OWASP's scrypt minimum in one of its equal-cost forms: N=2^14, r=8 with p=5 (as N=2^17 with
// p=1), 16 MiB a check instead of 128 and ~150 ms of one core here. Hashes of weaker parameters
// (p=1 before 0.8.5) still verify and are hashed again at the next sign-in (needsRehash).
const N = testN() ?? 16384
const R = 8
const P = 5
const KEY_LENGTH = 64

/**
 * The server's own tests only: a lower N, from MINICONSENT_TEST_SCRYPT_N, read only under vitest
 * (which sets VITEST; the built server has `undefined` in its place, build.mjs). Its route tests
 * create and sign in hundreds of accounts: at today's N that was ~80 s of the suite's ~310. The
 * parameters themselves are tested at today's N (password.test.ts imports this module without it).
 * A power of two from 2^10 to 2^14, or it is ignored.
 */
function testN(): number | undefined {
  if (!process.env.VITEST) return undefined
  const n = Number(process.env.MINICONSENT_TEST_SCRYPT_N)
  return Number.isInteger(Math.log2(n)) && n >= 1024 && n <= 16384 ? n : undefined
}

function derive(password: string, salt: Buffer, options: ScryptOptions, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, length, { ...options, maxmem: 256 * options.N! * options.r! * options.p! }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  )
}

/** A stored hash at N and R with parallelism `p`: today's P, or 0.8.4's 1 for weakDummyPasswordHash. */
async function hashWith(password: string, p: number): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(password, salt, { N, r: R, p }, KEY_LENGTH)
  return ['scrypt', N, R, p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

export const hashPassword = (password: string): Promise<string> => hashWith(password, P)

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  const key = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) }, expected.length)
  return key.length === expected.length && timingSafeEqual(key, expected)
}

/** Compared against when the e-mail is unknown, so timing does not reveal which accounts exist. */
let dummyHash: Promise<string> | undefined
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'))
  return dummyHash
}

/** A hash as 0.8.4 made them (p=1), checked beside every sign-in's own: see checkSignIn. */
let weakDummyHash: Promise<string> | undefined
function weakDummyPasswordHash(): Promise<string> {
  weakDummyHash ??= hashWith(randomBytes(16).toString('hex'), 1)
  return weakDummyHash
}

/**
 * The sign-in's check, the same work whatever the account: one check at today's parameters and one
 * at 0.8.4's (p=1), side by side on libuv's pool, one of them against the account's hash and the
 * other against a dummy (both dummies for an unknown e-mail). A hash of 0.8.4 is replaced only at
 * a successful sign-in; checked alone, a wrong password against it answered ~5 times faster than an
 * unknown e-mail, and with a dummy check after it ~40 % slower (reviews): either told which
 * e-mails have an account.
 */
export async function checkSignIn(password: string, stored: string | undefined): Promise<boolean> {
  const weak = stored !== undefined && needsRehash(stored)
  const [current, old] = await Promise.all([
    verifyPassword(password, stored !== undefined && !weak ? stored : await dummyPasswordHash()),
    verifyPassword(password, weak ? stored : await weakDummyPasswordHash()),
  ])
  return stored !== undefined && (weak ? old : current)
}

/** Whether a stored hash was made with other parameters than hashPassword uses now: it is replaced at the next sign-in. */
export function needsRehash(stored: string): boolean {
  const [scheme, n, r, p] = stored.split('$')
  return scheme !== 'scrypt' || Number(n) !== N || Number(r) !== R || Number(p) !== P
}
