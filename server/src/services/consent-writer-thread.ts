// The worker thread behind ConsentLog's `thread` mode: it owns a write connection to the log's
// SQLite file and writes, as one batch, whatever the main thread has put in their ring of shared
// memory (writer-channel.ts) since its last commit, answering once it is committed. The main thread
// keeps parsing and answering requests while this one waits for the disk.
import { parentPort, workerData } from 'node:worker_threads'
import { openConnection } from '../db/client'
import { ConsentWriter, stampedRecord, toWire, type SentRecord, type StampedRecord } from './consent-writer'
import { ChannelReader, type ChannelMemory } from './writer-channel'

const { file, channel, maxBatch } = workerData as { file: string; channel: ChannelMemory; maxBatch: number }
const port = parentPort!
const writer = new ConsentWriter(openConnection(file))
const ring = new ChannelReader(channel)
// Everything put in the ring since the last commit is the next batch: this thread waits only when
// the ring is empty, and never for the server's event loop. Asked to stop, it ends once the ring is.
for (let batch = ring.take(maxBatch); batch !== null; batch = ring.take(maxBatch)) {
  port.postMessage(writer.writeBatch((JSON.parse(`[${batch.join(',')}]`) as (StampedRecord | SentRecord)[]).map(stampedRecord)).map(toWire))
}
