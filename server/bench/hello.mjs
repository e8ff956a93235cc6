// The ceiling: a bare Hono app on @hono/node-server answering one short text, nothing else.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

const app = new Hono()
app.get('*', (c) => c.text('Hello, world!'))
serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' })
