// A thread for writer-channel.test.ts: takes records from the ring as the writer thread does, and
// posts each batch back, until asked to stop.
import { parentPort, workerData } from 'node:worker_threads'
import { ChannelReader, type ChannelMemory } from './writer-channel'

const ring = new ChannelReader(workerData as ChannelMemory)
for (let batch = ring.take(1024); batch !== null; batch = ring.take(1024)) parentPort!.postMessage(batch)
