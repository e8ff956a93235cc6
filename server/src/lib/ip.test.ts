import { describe, expect, it } from 'vitest'
import { clientNetwork, truncateIp } from './ip'

describe('truncateIp', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['::ffff:198.51.100.9', '198.51.100.0'],
    ['2001:db8:85a3:1234:5678:8a2e:370:7334', '2001:db8:85a3::'],
    ['2001:db8::1', '2001:db8::'],
    ['::1', '::'],
    ['fe80::1%eth0', 'fe80::'],
    ['2001:0:5::9', '2001:0:5::'],
    // 6to4: 2002:c633:6401:: is 198.51.100.1, whose /24 is 198.51.100.0.
    ['2002:c633:6401::1', '2002:c633:6400::'],
    ['2002:c633:64ff:abcd::1', '2002:c633:6400::'],
  ])('keeps only the network part of %s', (ip, expected) => {
    expect(truncateIp(ip)).toBe(expected)
  })

  it('stores nothing for what is not an address', () => {
    expect(truncateIp(undefined)).toBeNull()
    expect(truncateIp('unknown')).toBeNull()
    expect(truncateIp('999.1.1.1')).toBeNull()
  })
})

describe('clientNetwork', () => {
  it.each([
    ['203.0.113.77', '203.0.113.77'],
    ['::ffff:198.51.100.9', '198.51.100.9'],
    ['2001:db8:85a3:1234:5678:8a2e:370:7334', '2001:db8:85a3:1234::/64'],
    ['2001:db8:85a3:1234::1', '2001:db8:85a3:1234::/64'],
    ['2001:db8::1', '2001:db8::/64'],
    [null, 'unknown'],
    ['not an address', 'unknown'],
  ])('keys %s as %s', (ip, expected) => {
    expect(clientNetwork(ip)).toBe(expected)
  })

  it('gives every address of one /64 the same key, and the next /64 another', () => {
    expect(clientNetwork('2001:db8:1:2:aaaa::1')).toBe(clientNetwork('2001:db8:1:2:ffff:1:2:3'))
    expect(clientNetwork('2001:db8:1:3::1')).not.toBe(clientNetwork('2001:db8:1:2::1'))
  })
})
