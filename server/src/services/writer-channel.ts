// The way consent records reach the writer thread (consent-writer-thread.ts): a ring of shared
// memory the server's thread writes each record into as it is read, and the writer thread takes
// from as soon as it is free, without waiting for the server's event loop.
//
// With a message per batch, each thread waited for the other: the writer for the server's loop to
// finish a whole turn of reads before the next batch was posted, the server for the commit. Under
// load both stood idle about a third of the time. A message per record let the writer start at
// once, but cost more CPU a record than it saved. Here a record costs a copy into the ring and
// an atomic store; the writer takes everything written since its last commit as the next batch,
// which is what a group commit is.
//
// The ring holds records one after the other, each as a 4-byte length and its UTF-8 JSON. A record
// that does not fit before the ring's end starts again at 0, after a WRAP length (when 4 bytes are
// left for it). The control words: where the server has written up to, where the writer has read
// up to, a count the writer waits on, a flag that asks it to stop, and one the writer raises while
// it waits (or is about to): a record put while the writer is busy wakes nobody, so it costs no
// notify (a futex call, ~1 % of the server's thread under load). The flag is a number of its own
// for each wait (raised, it is never 0), so that a wait is woken once: the records put after the
// notify that woke it, before the woken writer has run and lowered the flag, wake nobody again
// (most of the notifies under load were such, measured). Such a record's count and place were
// stored before it read the flag still raised, so the woken writer, which lowers the flag before it
// reads them again, sees it. A notify that woke nobody (the writer had raised the flag but not yet
// begun to wait) does not count: the next record notifies again. The count makes all of this safe: the
// writer waits only while the count is still the one it read before it last found the ring empty,
// and a record put since has changed it.

/** The shared memory both sides are made from: passed to the thread in its workerData. */
export interface ChannelMemory {
  ring: SharedArrayBuffer
  control: SharedArrayBuffer
}

const WRITTEN = 0
const READ = 1
const SIGNAL = 2
const STOP = 3
const WAITING = 4
/** A length marking that the next record starts at the ring's beginning. */
const WRAP = 0xffffffff

/** 4 MB: several thousand records, far more than a batch (at most 1024). */
export const RING_BYTES = 4 * 1024 * 1024

export function channelMemory(bytes = RING_BYTES): ChannelMemory {
  return { ring: new SharedArrayBuffer(bytes), control: new SharedArrayBuffer(5 * Int32Array.BYTES_PER_ELEMENT) }
}

/** The server's side: puts records in the ring. */
export class ChannelWriter {
  private readonly ring: Buffer
  private readonly control: Int32Array
  /** Where the next record goes: WRITTEN as this side last stored it. */
  private at = 0
  /** The writer's wait (its WAITING) a notify of this side last woke: it ends, and needs no second notify. */
  private notified = 0

  constructor(memory: ChannelMemory) {
    this.ring = Buffer.from(memory.ring)
    this.control = new Int32Array(memory.control)
  }

  /**
   * Puts one record's JSON in the ring and wakes the writer; false, having put nothing, when there
   * is no room now. The JSON may come in up to three parts, written one after the other as one
   * record: no string is made of them to write them.
   */
  put(json: string, more = '', end = ''): boolean {
    const first = Buffer.byteLength(json)
    const second = more === '' ? 0 : Buffer.byteLength(more)
    const size = first + second + (end === '' ? 0 : Buffer.byteLength(end))
    const capacity = this.ring.length
    const read = Atomics.load(this.control, READ)
    let at = this.at
    // One byte is always left free, so that `at === read` means empty, never full.
    if (at >= read) {
      if (capacity - at < 4 + size) {
        // No room before the end: start again at 0, if the writer has read past what that needs.
        if (read <= 4 + size) return false
        if (capacity - at >= 4) this.ring.writeUInt32LE(WRAP, at)
        at = 0
      }
    } else if (read - at <= 4 + size) return false
    // A record ending at the ring's end leaves the next at 0, which must not be where the writer reads (the ring would look empty).
    const next = at + 4 + size === capacity ? 0 : at + 4 + size
    if (next === read) return false
    this.ring.writeUInt32LE(size, at)
    this.ring.write(json, at + 4, first)
    if (second > 0) this.ring.write(more, at + 4 + first, second)
    if (end !== '') this.ring.write(end, at + 4 + first + second, size - first - second)
    this.at = next
    Atomics.store(this.control, WRITTEN, this.at)
    Atomics.add(this.control, SIGNAL, 1)
    const waiting = Atomics.load(this.control, WAITING)
    // Remembered only once a notify has woken the writer: one made before it has entered its wait
    // wakes nobody, and when the count it waits on already holds this record (taken in its last
    // batch), that wait blocks: the next record must notify again.
    if (waiting !== 0 && waiting !== this.notified && Atomics.notify(this.control, SIGNAL) > 0) this.notified = waiting
    return true
  }

  /** Asks the writer thread to stop once it has written everything in the ring. */
  stop(): void {
    Atomics.store(this.control, STOP, 1)
    Atomics.add(this.control, SIGNAL, 1)
    Atomics.notify(this.control, SIGNAL)
  }
}

/** The writer thread's side: takes what the server has put in the ring. */
export class ChannelReader {
  private readonly ring: Buffer
  private readonly control: Int32Array
  /** The number the flag was raised to for this side's last wait. */
  private waits = 0

  constructor(memory: ChannelMemory) {
    this.ring = Buffer.from(memory.ring)
    this.control = new Int32Array(memory.control)
  }

  /**
   * Waits until there is at least one record, then returns up to `max` of them (their JSON), and
   * frees their room; null once asked to stop with nothing left. Blocks the calling thread.
   */
  take(max: number): string[] | null {
    for (;;) {
      // The count before the check: a record put after the check changes it, so the wait returns at once.
      const signal = Atomics.load(this.control, SIGNAL)
      const records = this.poll(max)
      if (records.length > 0) return records
      if (Atomics.load(this.control, STOP) === 1) return null
      // Raised before the wait, to a number no wait of the last 2^31 - 2 had: a record put after
      // this is seen notifies; one put before it has changed the count, and the wait returns at once.
      this.waits = (this.waits % 0x7ffffffe) + 1
      Atomics.store(this.control, WAITING, this.waits)
      Atomics.wait(this.control, SIGNAL, signal)
      Atomics.store(this.control, WAITING, 0)
    }
  }

  /**
   * Returns up to `max` of the records there are now (their JSON), and frees their room; none
   * when the ring is empty. Never waits.
   */
  poll(max: number): string[] {
    let read = Atomics.load(this.control, READ)
    const written = Atomics.load(this.control, WRITTEN)
    const records: string[] = []
    while (read !== written && records.length < max) {
      if (this.ring.length - read < 4 || this.ring.readUInt32LE(read) === WRAP) {
        read = 0
        continue
      }
      const size = this.ring.readUInt32LE(read)
      records.push(this.ring.toString('utf8', read + 4, read + 4 + size))
      read += 4 + size
    }
    if (records.length > 0) Atomics.store(this.control, READ, read)
    return records
  }
}
