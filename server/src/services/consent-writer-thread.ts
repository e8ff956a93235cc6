// The worker thread behind ConsentLog's `thread` mode: it owns a write connection to the log's
// SQLite file and writes each batch the main thread sends, answering once it is committed. The
// main thread keeps parsing and answering requests while this one waits for the disk.
import { parentPort, workerData } from 'node:worker_threads'
import { openConnection } from '../db/client'
import { ConsentWriter, toWire, type StampedRecord } from './consent-writer'

const port = parentPort!
const writer = new ConsentWriter(openConnection((workerData as { file: string }).file))
port.on('message', (batch: string) => port.postMessage(writer.writeBatch(JSON.parse(batch) as StampedRecord[]).map(toWire)))
