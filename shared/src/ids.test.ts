import { describe, expect, it } from 'vitest'
import { consentIdAt, uuid7 } from './ids'

describe('ids', () => {
  it('makes consentIds the cookie and the server accept, ordered by their time', () => {
    const start = Date.UTC(2026, 10, 22, 10, 0, 0)
    const edges = [new Uint32Array([0, 0, 0]), new Uint32Array([0xffffffff, 0xffffffff, 0xffffffff])]
    const ids = Array.from({ length: 50 }, (_, i) => consentIdAt(start + i * 1000, edges[i] ?? crypto.getRandomValues(new Uint32Array(3))))
    expect(ids[0]).toBe(`${start.toString(36)}000`)
    expect(ids[1]).toBe(`${(start + 1000).toString(36)}${'4294967295'.repeat(3)}`)
    for (const id of ids) expect(id).toMatch(/^[0-9a-z]{8}[0-9]{3,30}$/)
    expect(new Set(ids).size).toBe(50)
    // Later visitors sort after earlier ones, whatever their random part: the index grows at its end.
    expect([...ids].sort()).toEqual(ids)
    // Until 2059 the time takes 8 characters.
    expect(consentIdAt(Date.UTC(2059, 0, 1), new Uint32Array(3))).toMatch(/^[0-9a-z]{8}000$/)
  })

  it('makes version 7 UUIDs the server accepts as record ids, ordered by their time', () => {
    const byte = () => Math.floor(Math.random() * 256)
    const start = Date.UTC(2026, 10, 22, 10, 0, 0)
    const ids = Array.from({ length: 50 }, (_, i) => uuid7(byte, start + i * 1000))
    expect(new Set(ids).size).toBe(50)
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    // The first 48 bits are the time: later records sort after earlier ones.
    expect(parseInt(ids[0]!.replace('-', '').slice(0, 12), 16)).toBe(start)
    expect([...ids].sort()).toEqual(ids)
    // Within one millisecond they still differ.
    expect(new Set(Array.from({ length: 50 }, () => uuid7(byte, start))).size).toBe(50)
  })
})
