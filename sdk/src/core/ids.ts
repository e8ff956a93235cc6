/** base64url without padding: 16 random bytes give the 22-character consentId. */
export function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=/g, '')
}

export function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * RFC 9562 version 7 from the time and a source of random bytes (crypto.randomUUID exists only on
 * https pages). Its first 48 bits are the time in ms, so the log's recordId index grows at its end
 * instead of at random places: on a log of millions of records that is most of an insert's cost.
 */
export const uuid7 = (byte: () => number, now: number): string => {
  const time = now.toString(16).padStart(12, '0')
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7` + '000-8000-100000000000'.replace(/[018]/g, (c) => (+c ^ (byte() & (15 >> (+c / 4)))).toString(16))
}
