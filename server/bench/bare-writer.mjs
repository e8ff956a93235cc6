// The ingestion's upper bound in this design: what a consent POST costs when nothing but receiving
// and storing it is left. A bare `node:http` handler (no Hono, no checks, no CORS, no rate limit)
// reads and parses the record and hands it to the server's own writer thread
// (dist/consent-writer-thread.js: the same group commit, chain hashes, indexes and synchronous
// FULL), answering 201 once the batch is committed, as ingestion does. Whatever the server does on
// top of this costs more; no change to its checks can take ingestion past this line.
//
// DATABASE_URL must name a migrated and seeded database (the bench makes one).
import { createServer } from 'node:http'
import { Worker } from 'node:worker_threads'

import { channelMemory, ChannelWriter } from '../dist/writer-channel.js'

const memory = channelMemory()
const worker = new Worker(new URL('../dist/consent-writer-thread.js', import.meta.url), { workerData: { file: process.env.DATABASE_URL, channel: memory, maxBatch: 1024 } })
const channel = new ChannelWriter(memory)
// Each record goes into the thread's ring as it is read, as the server's do; the thread commits what
// reached it meanwhile as one batch and answers for that many, the oldest first: a seq and a flag each
// (consent-writer.ts WireBatch). (The ring holds
// thousands of records, more than the bench's connections ever have in flight: no record finds it full.)
let posted = []
worker.on('message', ({ results, errors }) => {
  const batch = posted.splice(0, results.length / 2)
  for (let i = 0; i < batch.length; i++) batch[i].answer(results[2 * i], Number.isNaN(results[2 * i + 1]) ? errors.find(([at]) => at === i)[1].error : null)
})
worker.on('error', (e) => {
  process.stderr.write(`bare-writer: ${e.stack}\n`)
  process.exit(1)
})

createServer((req, res) => {
  if (req.method !== 'POST') {
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ready')
    return
  }
  const chunks = []
  req.on('data', (chunk) => chunks.push(chunk))
  req.on('end', () => {
    const v = JSON.parse(Buffer.concat(chunks).toString())
    const record = {
      siteId: v.siteId,
      recordId: v.recordId,
      consentId: v.consentId,
      revision: v.revision,
      textsHash: v.textsHash,
      categories: v.categories,
      services: v.services,
      method: v.method,
      region: null,
      mode: 'opt-in',
      language: v.language,
      url: v.url,
      userAgent: req.headers['user-agent'] ?? null,
      ip: '198.18.0.0',
      gpc: false,
      clientTime: v.clientTime,
      serverTime: new Date().toISOString(),
    }
    posted.push({
      answer: (seq, error) => {
        const body = JSON.stringify(error !== null ? { error } : { recordId: record.recordId, seq })
        res.writeHead(error !== null ? 500 : 201, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' })
        res.end(body)
      },
    })
    if (!channel.put(JSON.stringify(record))) throw new Error('bare-writer: the ring is full')
  })
}).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1')
