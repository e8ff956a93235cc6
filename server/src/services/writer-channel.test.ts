import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { workerScript } from '../lib/worker-script'
import { channelMemory, ChannelReader, ChannelWriter } from './writer-channel'

const pair = (bytes: number) => {
  const memory = channelMemory(bytes)
  return { writer: new ChannelWriter(memory), reader: new ChannelReader(memory) }
}

describe('writer channel', () => {
  it('wakes the writer for a record put while it sleeps, when the notify before it came too early to wake it', () => {
    // One interleaving of the two threads, played on one: the Atomics calls of put() are hooked
    // only to run the writer's side at the chosen points; every operation is the real one, on the
    // real shared memory. Record 1 is taken in the writer's batch before its count is added; the
    // writer then reads the count (record 1's included), finds the ring empty and raises its flag;
    // record 1 finds the flag raised and notifies before the writer waits: nobody is woken, and the
    // writer's wait on that count blocks. Record 2 must notify it again.
    const memory = channelMemory(1024)
    const control = new Int32Array(memory.control)
    const { writer, reader } = { writer: new ChannelWriter(memory), reader: new ChannelReader(memory) }
    const real = { add: Atomics.add, load: Atomics.load, notify: Atomics.notify, wait: Atomics.wait }
    let notifies = 0
    let waitsOn: number | null = null
    let step = 0
    const hooks = {
      notify: (a: Int32Array, i: number, n?: number) => (notifies++, real.notify(a, i, n)),
      // The writer's wait is only noted: it comes after record 1's notify, as in a real thread.
      wait: (_a: Int32Array, _i: number, value: number) => {
        waitsOn = value
        throw new Error('waits')
      },
      add: (a: Int32Array, i: number, v: number) => {
        if (step === 0) {
          expect(reader.take(10)).toEqual(['"r1"'])
          step = 1
        }
        return real.add(a, i, v)
      },
      load: (a: Int32Array, i: number) => {
        // put()'s read of the writer's flag (control word 4), after the count was added.
        if (step === 1 && i === 4) {
          step++
          expect(() => reader.take(10)).toThrow('waits')
        }
        return real.load(a, i)
      },
    }
    try {
      Object.assign(Atomics, hooks)
      expect(writer.put('"r1"')).toBe(true)
      expect(notifies).toBe(1)
      // The writer now waits on a count that already holds record 1: it blocks until notified.
      expect(waitsOn).toBe(real.load(control, 2))
      Object.assign(Atomics, { add: real.add, load: real.load })
      expect(writer.put('"r2"')).toBe(true)
      expect(notifies, 'a record put while the writer sleeps notifies it').toBe(2)
    } finally {
      Object.assign(Atomics, real)
    }
    expect(reader.take(10)).toEqual(['"r2"'])
  })

  it('hands over records in order, whole, across the ring\'s end, multi-byte text included', () => {
    const { writer, reader } = pair(256)
    const sent: string[] = []
    const got: string[] = []
    // Lengths that leave 0, 1 to 3 and 4 or more bytes before the end, round after round.
    for (let i = 0; i < 500; i++) {
      const json = JSON.stringify({ i, text: 'é€😀'.repeat(i % 7), pad: 'x'.repeat((i * 13) % 41) })
      if (!writer.put(json)) {
        got.push(...reader.take(1024)!)
        expect(writer.put(json)).toBe(true)
      }
      sent.push(json)
      if (i % 3 === 0) got.push(...reader.take(2)!)
    }
    got.push(...reader.take(1024)!)
    expect(got).toEqual(sent)
  })

  it('hands over a record put in parts as one, the same as put whole, across the ring\'s end', () => {
    const whole = pair(256)
    const parts = pair(256)
    const got: string[][] = [[], []]
    for (let i = 0; i < 300; i++) {
      const head = `[${JSON.stringify(['t', 'é'.repeat(i % 3), i])},`
      const sent = JSON.stringify({ text: '€😀'.repeat(i % 5), pad: 'x'.repeat((i * 7) % 37) })
      const putWhole = () => whole.writer.put(`${head}${sent}]`)
      const putParts = () => (i % 2 ? parts.writer.put(head, sent, ']') : parts.writer.put(`${head}${sent}]`, '', ''))
      const a = putWhole()
      expect(putParts()).toBe(a)
      if (!a) {
        got[0]!.push(...whole.reader.take(1024)!)
        got[1]!.push(...parts.reader.take(1024)!)
        expect(putWhole()).toBe(true)
        expect(putParts()).toBe(true)
      }
    }
    got[0]!.push(...whole.reader.take(1024)!)
    got[1]!.push(...parts.reader.take(1024)!)
    expect(got[1]).toEqual(got[0])
    expect(got[0]!.length).toBe(300)
  })

  it('refuses a record it has no room for, and takes it once the reader has read', () => {
    const { writer, reader } = pair(64)
    expect(writer.put('a'.repeat(40))).toBe(true)
    expect(writer.put('b'.repeat(20))).toBe(false)
    expect(reader.take(10)).toEqual(['a'.repeat(40)])
    expect(writer.put('b'.repeat(20))).toBe(true)
    // A record that ends exactly at the ring's end while the reader is at 0 would look like an empty ring.
    const exact = pair(64)
    expect(exact.writer.put('c'.repeat(60))).toBe(false)
    expect(exact.writer.put('c'.repeat(59))).toBe(true)
    expect(exact.reader.take(10)).toEqual(['c'.repeat(59)])
  })

  it('takes at most `max` records at a time', () => {
    const { writer, reader } = pair(1024)
    for (let i = 0; i < 5; i++) writer.put(String(i))
    expect(reader.take(2)).toEqual(['0', '1'])
    expect(reader.take(10)).toEqual(['2', '3', '4'])
  })

  it('polls what is there without waiting: nothing from an empty ring, at most `max`, the rest later', () => {
    const { writer, reader } = pair(1024)
    expect(reader.poll(10)).toEqual([])
    for (let i = 0; i < 5; i++) writer.put(String(i))
    expect(reader.poll(3)).toEqual(['0', '1', '2'])
    expect(reader.poll(10)).toEqual(['3', '4'])
    expect(reader.poll(10)).toEqual([])
    // Room freed by the poll takes new records, which take() then hands over.
    writer.put('5')
    expect(reader.take(10)).toEqual(['5'])
  })

  it('once asked to stop, returns what is left, then null', () => {
    const { writer, reader } = pair(1024)
    writer.put('"last"')
    writer.stop()
    expect(reader.take(10)).toEqual(['"last"'])
    expect(reader.take(10)).toBeNull()
  })

  it('wakes a reader waiting on another thread for each record put, and lets it take what was put while it was busy', async () => {
    const memory = channelMemory(4096)
    const writer = new ChannelWriter(memory)
    const [entry, options] = workerScript(import.meta.url, 'writer-channel-echo')
    const thread = new Worker(entry, { ...options, workerData: memory })
    const got: string[] = []
    thread.on('message', (batch: string[]) => got.push(...batch))
    const arrived = async (count: number) => {
      for (let waited = 0; got.length < count; waited += 10) {
        if (waited > 10_000) throw new Error(`${got.length} of ${count} records arrived`)
        await sleep(10)
      }
    }
    try {
      // Each record after a pause finds the reader asleep in its wait: it must be woken.
      for (let i = 0; i < 5; i++) {
        await sleep(50)
        expect(writer.put(`"pause ${i}"`)).toBe(true)
        await arrived(i + 1)
      }
      // A burst: most records find the reader busy, and no record is left behind.
      for (let i = 0; i < 200; i++) expect(writer.put(`"burst ${i}"`)).toBe(true)
      await arrived(205)
      expect(got).toEqual([...Array.from({ length: 5 }, (_, i) => `"pause ${i}"`), ...Array.from({ length: 200 }, (_, i) => `"burst ${i}"`)])
    } finally {
      writer.stop()
      await once(thread, 'exit')
    }
  })
})

