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

/** RFC 4122 version 4 from a source of random bytes (crypto.randomUUID exists only on https pages). */
export const uuid4 = (byte: () => number): string =>
  '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) => (+c ^ (byte() & (15 >> (+c / 4)))).toString(16))
