// The ids the SDK makes for the consent log, each led by the time so that the log's indexes on
// them grow at their end. Here, not in the SDK, so that the server's bench posts the same ids.

/**
 * A new consentId: the time in ms in base 36 (8 characters until 2059), then 96 random bits as
 * three decimal numbers. Time first, like the recordId's uuid7: the log's consentId index then
 * grows at its end instead of at a random leaf per record, which cost the ingestion a fifth of
 * its writer's time (and, on a log larger than the page cache, a disk read per record).
 */
export const consentIdAt = (now: number, random: Uint32Array): string => now.toString(36) + random.join('')

/**
 * RFC 9562 version 7 from the time and a source of random bytes (crypto.randomUUID exists only on
 * https pages). Its first 48 bits are the time in ms, so the log's recordId index grows at its end
 * instead of at random places: on a log of millions of records that is most of an insert's cost.
 */
export const uuid7 = (byte: () => number, now: number): string => {
  const time = now.toString(16).padStart(12, '0')
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7` + '000-8000-100000000000'.replace(/[018]/g, (c) => (+c ^ (byte() & (15 >> (+c / 4)))).toString(16))
}
