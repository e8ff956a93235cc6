import { describe, expect, it } from 'vitest'
import { canonicalJson } from './canonical-json'

/** The definition the hash chain was written with: every stored hash depends on this exact text. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return '[' + value.map(reference).join(',') + ']'
  const obj = value as Record<string, unknown>
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort()
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + reference(obj[k])).join(',') + '}'
}

describe('canonicalJson', () => {
  it('writes a record’s choices with their keys sorted and no whitespace', () => {
    expect(canonicalJson({ marketing: false, essential: true, analytics: true })).toBe('{"analytics":true,"essential":true,"marketing":false}')
    expect(canonicalJson({})).toBe('{}')
    expect(canonicalJson({ a: undefined })).toBe('{}')
    expect(canonicalJson({ b: undefined, a: true })).toBe('{"a":true}')
    // By UTF-16 code unit, as Array#sort: capitals first, an astral character before U+FF5E.
    expect(canonicalJson({ b: 1, a: 2, B: 3, '\uff5e': 4, '\u{1f600}': 5, é: 6 })).toBe('{"B":3,"a":2,"b":1,"é":6,"\u{1f600}":5,"\uff5e":4}')
  })

  it('gives the text the chain was written with, for keys and values of every kind', () => {
    // Keys that sort differently by code unit than by code point or locale, integer-like keys
    // (which objects list first), and objects above and below the size sorted by insertion.
    const keyPool = ['b', 'a', 'B', 'A', '_', 'é', 'z', '10', '2', '0', '\u{1f600}', '\uff5e', '', 'a b', 'ab', 'a"b', 'a\\b', '\u2028', 'x'.repeat(40)]
    // mulberry32: the same values on every run.
    let seed = 7
    const random = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0
      let t = Math.imul(seed ^ (seed >>> 15), seed | 1)
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
      return (((t ^ (t >>> 14)) >>> 0) % n)
    }
    const value = (depth: number): unknown => {
      switch (random(depth > 2 ? 6 : 8)) {
        case 0:
          return true
        case 1:
          return false
        case 2:
          return null
        case 3:
          return random(1000) - 500 + random(10) / 10
        case 4:
          return keyPool[random(keyPool.length)]
        case 5:
          return undefined
        case 6:
          return Array.from({ length: random(4) }, () => value(depth + 1))
        default: {
          const obj: Record<string, unknown> = {}
          const size = random(3) === 0 ? 17 + random(20) : random(8)
          for (let i = 0; i < size; i++) obj[keyPool[random(keyPool.length)]! + (size > 16 ? i : '')] = value(depth + 1)
          return obj
        }
      }
    }
    for (let i = 0; i < 2000; i++) {
      const v = value(0)
      expect(canonicalJson(v)).toBe(reference(v))
    }
  })
})
