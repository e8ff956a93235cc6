import { isIPv4 } from 'node:net'
import { describe, expect, it } from 'vitest'
import { clientNetwork, clientNetworkKey, ipv4Number, truncateIp } from './ip'

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

describe('ipv4Number', () => {
  it('reads an IPv4 address as its number', () => {
    expect(ipv4Number('0.0.0.0')).toBe(0)
    expect(ipv4Number('1.2.3.4')).toBe(0x01020304)
    expect(ipv4Number('255.255.255.255')).toBe(0xffffffff)
    expect(ipv4Number('203.0.113.77')).toBe(((203 * 256 + 0) * 256 + 113) * 256 + 77)
  })

  it('takes exactly what node:net isIPv4 takes', () => {
    const cases = [
      '', '1', '1.2.3', '1.2.3.4.', '.1.2.3.4', '1..2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.04', '1.2.3.00', '1.2.3.0',
      '256.1.1.1', '1.1.1.256', '999.1.1.1', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.-4', '1.2.3.+4', '1.2.3.4\n', '::1',
      '::ffff:1.2.3.4', 'a.b.c.d', '1.2.3.4/24', '100.200.250.255', '10.0.0.1', '1234.1.1.1', '1.2.3.4x', '１.2.3.4',
    ]
    // And random strings of digits and dots, which reach every branch.
    let seed = 7
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31)
    for (let i = 0; i < 20_000; i++) {
      const length = 1 + (next() % 16)
      let text = ''
      for (let j = 0; j < length; j++) text += '0123456789....'[next() % 14]
      cases.push(text)
    }
    for (const text of cases) expect(ipv4Number(text) !== -1, JSON.stringify(text)).toBe(isIPv4(text))
  })
})

describe('clientNetworkKey', () => {
  it('gives two addresses the same key exactly when clientNetwork gives them the same network', () => {
    const addresses = [
      '203.0.113.77', '203.0.113.78', '::ffff:203.0.113.77', '::ffff:cb00:714d', '2001:db8:1:2::1', '2001:db8:1:2:ffff::9',
      '2001:db8:1:3::1', null, 'unknown', 'not an address', '0.0.0.0', '::',
    ]
    for (const a of addresses) {
      for (const b of addresses) expect(clientNetworkKey(a) === clientNetworkKey(b), `${a} ${b}`).toBe(clientNetwork(a) === clientNetwork(b))
    }
    expect(clientNetworkKey('203.0.113.77')).toBe(ipv4Number('203.0.113.77'))
    expect(clientNetworkKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64')
  })
})
