// The worker thread behind ConsentLog's `thread` mode: it owns a write connection to the log's
// SQLite file and writes, as one batch, whatever the main thread has put in their ring of shared
// memory (writer-channel.ts) since its last commit, answering once it is committed. The main thread
// keeps parsing and answering requests while this one waits for the disk.
import { parentPort, workerData } from 'node:worker_threads'
import { fileGoneFrom, openConnection } from '../db/client'
import { fileGoneError } from '../lib/database-busy'
import { ConsentWriter, stampedRecord, toWire, type SentRecord, type StampedRecord } from './consent-writer'
import { ChannelReader, type ChannelMemory } from './writer-channel'

/** `opened`: the identity of the file the server opened (openedFile), which this thread writes only while it is at `file`. */
const { file, channel, maxBatch, opened } = workerData as { file: string; channel: ChannelMemory; maxBatch: number; opened: string | null | undefined }
const port = parentPort!
// A thread started after the server's file was removed or replaced opens nothing (a new empty
// file, or another one, would take the records) and refuses every record, as the writer does.
const writer = fileGoneFrom(file, opened) ? null : new ConsentWriter(openConnection(file, { mustExist: true }), opened)
const ring = new ChannelReader(channel)
// Everything put in the ring since the last commit is the next batch, and what is put while it is
// written joins it: this thread waits only when the ring is empty, and never for the server's
// event loop. Asked to stop, it ends once the ring is.
// Each record's JSON is parsed on its own, as it came out of the ring: joined into one array's text,
// the batch would be copied twice (the join, then the brackets around it), ~1.2 KB a record of
// this thread's allocations (measured), for no less parsing.
for (let batch = ring.take(maxBatch); batch !== null; batch = ring.take(maxBatch)) {
  if (!writer) {
    port.postMessage(toWire(batch.map(() => fileGoneError())))
    continue
  }
  // What arrives while the batch is written joins it (MoreRecords), up to `maxBatch` in all.
  let room = maxBatch - batch.length
  const more = (): StampedRecord[] => {
    const next = room > 0 ? ring.poll(room) : []
    room -= next.length
    return next.map(storedFrom)
  }
  port.postMessage(toWire(writer.writeBatch(batch.map(storedFrom), more)))
}

function storedFrom(json: string): StampedRecord {
  return stampedRecord(JSON.parse(json) as StampedRecord | SentRecord)
}
