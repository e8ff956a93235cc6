// The ceiling: a bare Hono app on @hono/node-server answering one short text, nothing else (run.ts
// starts it on the server's runtime: the start script's environment and Node flags).
// With HELLO_BODY_FILE it answers that file's bytes as JSON instead: the same app serving a body
// as large as the config fetch's shows what the payload alone costs. Any POST is read, parsed as
// JSON and answered 201 with its recordId, as ingestion answers: what receiving a record costs
// before anything is checked or stored.
import { readFileSync } from 'node:fs'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

const file = process.env.HELLO_BODY_FILE
const body = file ? readFileSync(file) : null
const app = new Hono()
app.get('*', (c) => (body ? c.body(body, 200, { 'Content-Type': 'application/json' }) : c.text('Hello, world!')))
app.post('*', async (c) => {
  const record = JSON.parse(await c.req.text())
  return c.json({ recordId: record.recordId, seq: 1 }, 201)
})
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' })
