// Server benchmarks: requests/s and p99 latency of the built server (dist/main.js) against a bare
// Hono app on the same runtime, plus export throughput and the server's memory while exporting.
//
// Everything runs on 127.0.0.1 with bounded durations and stops by itself. The server runs as a
// child process so its RSS is its own; the load generator (wrk, one thread: ensure-wrk.sh installs
// it) shares the machine's cores with it, as it would on a single box.
//
// The machine's speed drifts from second to second (other tenants of the host), so runs that are
// compared are interleaved: in each of BENCH_ROUNDS (3) rounds, the ceiling, the floors, the
// config fetch, the empty-log ingestion and the design's bound for it (bare-writer.mjs) take turns
// in one-second slices, each ratio is taken within its round, and the medians are reported. The ingestion into the stored log takes turns
// with an empty log's in the same way.
//
// Environment: BENCH_SECONDS (10) seconds per run per round, BENCH_CONNECTIONS (64), BENCH_STORED (5000000)
// records already stored for the second ingestion run, BENCH_EXPORT_ROWS (1000000) of them in the
// exported site, BENCH_PURGE_RECORDS (1000000) in the log the retention purge cuts (bench/purge.ts);
// BENCH_PARTS (`load,stored,export,purge`) runs only some parts, BENCH_FORMATS
// (`csv,ndjson`) only some export formats, BENCH_EXPORT_RUNS (3) exports of each. The stored log is
// generated once into the OS temp directory and copied per run.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { randomFillSync, randomInt } from 'node:crypto'
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { consentIdAt, uuid7 } from '@miniconsent/shared/ids'
import { openDatabase } from '../src/db/client'
import { DEMO_SITES } from '../src/seed/catalogues'
import { ensureOwner, seedSites } from '../src/seed/seed'
import { memberships } from '../src/db/schema'
import { generateRecords } from './generate'
import { fmt } from './format'
import { purgeBench } from './purge'

const here = dirname(fileURLToPath(import.meta.url))
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64)
const STORED = Number(process.env.BENCH_STORED ?? 5_000_000)
const EXPORT_ROWS = Number(process.env.BENCH_EXPORT_ROWS ?? 1_000_000)
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3))
const EXPORT_RUNS = Math.max(1, Number(process.env.BENCH_EXPORT_RUNS ?? 3))
/** Each fresh server's warm-up, before its runs. */
const WARM_UP_SECONDS = 5
const PARTS = new Set((process.env.BENCH_PARTS ?? 'load,stored,export,purge').split(',').map((p) => p.trim()))
const ADMIN = { email: 'bench@example.test', password: 'bench password 1234' }
const work = mkdtempSync(join(tmpdir(), 'miniconsent-bench-'))
const children = new Set<ChildProcess>()

function stopAll() {
  for (const child of children) child.kill('SIGKILL')
  rmSync(work, { recursive: true, force: true })
}
process.on('exit', stopAll)
process.on('SIGINT', () => process.exit(130))
// A hard bound on the whole run, whatever hangs.
setTimeout(() => {
  process.stderr.write('bench: gave up after 30 minutes\n')
  process.exit(1)
}, 30 * 60_000).unref()

let nextPort = 18_700 + Math.floor(Math.random() * 200)

interface Server {
  url: string
  pid: number
  stop: () => Promise<void>
}

async function start(args: readonly string[], env: Record<string, string>, readyPath: string): Promise<Server> {
  const port = nextPort++
  const child = spawn(process.execPath, args, {
    cwd: join(here, '..'),
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  children.add(child)
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}`)
    try {
      if ((await fetch(url + readyPath)).ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${args.join(' ')} did not start within 60 s`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => {
          children.delete(child)
          resolve()
        })
        child.kill('SIGTERM')
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref()
      }),
  }
}

/**
 * The server's command line as `pnpm start` runs it: its leading `NAME=value` words become the
 * child's environment, the Node flags its arguments (less `node` itself).
 */
const START_WORDS = (JSON.parse(readFileSync(join(here, '../package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(/\s+/)
const START_ENV: Record<string, string> = {}
let startNode = 0
for (let w = START_WORDS[0]; w && /^[A-Z_]+=/.test(w); w = START_WORDS[++startNode]) {
  const eq = w.indexOf('=')
  START_ENV[w.slice(0, eq)] = w.slice(eq + 1)
}
const SERVER_ARGS = START_WORDS.slice(startNode + 1)
/**
 * The bare apps (the ceiling, the floors, the design's bound) run on the same runtime as the
 * server: the start script's environment and Node flags. Left on Node's defaults, a bare app's V8
 * memory reducer collected the heap during its idle turns, and from then on it answered ~20 % less
 * (hello-world: 58,180 → 47,605 requests/s from one round to the next), which flattered every share.
 */
const runtime = (script: string, env: Record<string, string> = {}) =>
  [[...SERVER_ARGS.filter((a) => a.startsWith('-')), join(here, script)], { ...START_ENV, ...env }] as const

const startApp = (db: string) =>
  start(
    SERVER_ARGS,
    {
      ...START_ENV,
      DATABASE_URL: db,
      // Access logs off: they measure the log pipe, not the server. Errors still print.
      LOG_LEVEL: 'warn',
      SEED_DEMO: 'true',
      MINICONSENT_ADMIN_EMAIL: ADMIN.email,
      MINICONSENT_ADMIN_PASSWORD: ADMIN.password,
      // Each request below comes "from" its own visitor address, as on a real site; without it
      // the per-IP ingestion limit (20 burst, 1/s) would answer 429 to one load generator.
      TRUST_PROXY: 'true',
    },
    '/healthz',
  )

function memoryKb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  return { rss: field('VmRSS'), peak: field('VmHWM') }
}

/** CPU time (user + system) the process has used, in ms; Linux counts it in ticks of 1/100 s. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

interface Load {
  rps: number
  p99: number
  ok: number
  non2xx: number
  errors: number
  /**
   * Server CPU per answered request. Requests/s depend on whatever else the machine runs (the
   * load generator shares its cores); CPU per request does much less, so ratios are given on both.
   */
  cpuUs: number
}

interface Share {
  rps: number
  cpu: number
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** One line for several runs: medians of the rates, totals of the counts. */
function medianLoad(runs: Load[]): Load {
  return {
    rps: median(runs.map((r) => r.rps)),
    p99: median(runs.map((r) => r.p99)),
    cpuUs: median(runs.map((r) => r.cpuUs)),
    ok: runs.reduce((n, r) => n + r.ok, 0),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
  }
}

/** What one wrk run reports (load.lua's done()). */
interface Shot {
  requests: number
  /** The run's length in µs, as wrk timed it. */
  us: number
  p99: number
  non2xx: number
  errors: number
  /** Consent records sent a second time because the run outpaced its file: answered, not stored again. */
  reused: number
}

/** One wrk run of `seconds` against the run's URL: GETs with its headers, or POSTs of the records in `posts`. */
function shoot(run: Run, seconds: number, posts?: string): Promise<Shot> {
  const headers = Object.entries(run.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`])
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--timeout', '10s', '-s', join(here, 'load.lua'), ...headers, run.server.url + run.path]
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { env: { ...process.env, ...(posts ? { BENCH_POSTS: posts, BENCH_ORIGIN: POSTS_ORIGIN } : {}) } }, (error, stdout, stderr) => {
      const line = /^BENCH (.*)$/m.exec(stdout)?.[1]
      if (error || !line) return reject(new Error(`wrk ${args.join(' ')} failed: ${error?.message ?? ''} ${stderr}`))
      resolve(JSON.parse(line) as Shot)
    })
  })
}

/** What one or more wrk runs of a run measured, and the server's CPU (ms) while they ran. */
interface Measured {
  requests: number
  us: number
  non2xx: number
  errors: number
  cpuMs: number
  p99s: number[]
}

/** One wrk run of `seconds`, with new records when the run posts, and the server's CPU while it ran. */
async function measure(run: Run, seconds: number): Promise<Measured> {
  const posts = run.posts ? writePosts(seconds) : undefined
  const cpu0 = cpuMs(run.server.pid)
  const shot = await shoot(run, seconds, posts)
  const cpu = cpuMs(run.server.pid) - cpu0
  if (shot.reused > 0) process.stderr.write(`bench: a run outpaced its ${POSTS_PER_SECOND.toLocaleString('en')} records a second and sent ${shot.reused} again\n`)
  return { requests: shot.requests, us: shot.us, non2xx: shot.non2xx, errors: shot.errors, cpuMs: cpu, p99s: [shot.p99] }
}

/** The load of what was measured; p99 is the median of the runs' p99s. */
const loadOf = (m: Measured): Load => ({
  rps: m.requests / (m.us / 1e6),
  p99: median(m.p99s),
  ok: m.requests - m.non2xx,
  non2xx: m.non2xx,
  errors: m.errors,
  cpuUs: (m.cpuMs * 1000) / Math.max(1, m.requests),
})

/** One uninterrupted run of `duration` seconds (the warm-ups). */
const load = async (run: Run, duration: number): Promise<Load> => loadOf(await measure(run, duration))

interface Run {
  server: Server
  path: string
  headers?: Record<string, string>
  /** POSTs of new consent records (written to a file before each slice, outside its timing) instead of GETs. */
  posts?: boolean
}

/**
 * The runs taking turns in one-second slices for SECONDS slices each (the order rotating from
 * slice to slice), so that a slower or faster stretch of the machine falls on all of them alike.
 * p99 is the median of the slices' p99s.
 */
async function interleaved(runs: Run[]): Promise<Load[]> {
  const totals = runs.map((): Measured => ({ requests: 0, us: 0, non2xx: 0, errors: 0, cpuMs: 0, p99s: [] }))
  for (let slice = 0; slice < SECONDS; slice++) {
    for (let k = 0; k < runs.length; k++) {
      const i = (slice + k) % runs.length
      const m = await measure(runs[i]!, 1)
      const t = totals[i]!
      t.requests += m.requests
      t.us += m.us
      t.non2xx += m.non2xx
      t.errors += m.errors
      t.cpuMs += m.cpuMs
      t.p99s.push(...m.p99s)
    }
  }
  return totals.map(loadOf)
}

let visitor = 0
/** A consent record as the SDK posts it, from a new visitor address each time: one line of load.lua's file (address, tab, body). */
function consentPost(): string {
  visitor += 1
  // 198.18.0.0/15 is reserved for benchmarks; this is only a header value, no traffic goes there.
  const address = `198.18.${(visitor >> 8) & 255}.${visitor & 255}`
  const body = JSON.stringify({
    // Both ids as the SDK makes them, each led by the time (a new visitor per record).
    recordId: uuid7(() => randomInt(256), Date.now()),
    consentId: consentIdAt(Date.now(), randomFillSync(new Uint32Array(3))),
    siteId: 'minopa',
    revision: 1,
    textsHash: 'a'.repeat(64),
    categories: { essential: true, analytics: visitor % 2 === 0, marketing: false },
    services: {},
    method: visitor % 2 === 0 ? 'accept-all' : 'custom',
    language: 'en',
    url: 'https://www.minopa.test/checkout?step=2',
    clientTime: new Date().toISOString(),
    gpc: false,
  })
  return `${address}\t${body}`
}

/**
 * More records a second than the fastest POST (the bare floor, ~30,000 req/s) sends: each record is
 * sent once. They are built before each run, outside its timing, and wrk formats them before its
 * clock starts: built while sending, records cost the load generator time that the server under
 * test, on the same cores, then did not get.
 */
const POSTS_PER_SECOND = 50_000
/** The Origin the records are posted with: a page of the demo site's, whose records they are (minopa's domains). */
const POSTS_ORIGIN = 'https://www.minopa.com'
let postsFile = 0

/** A new file of records for a run of `seconds`; the previous run's is deleted. */
function writePosts(seconds: number): string {
  rmSync(join(work, `posts-${postsFile}.tsv`), { force: true })
  const file = join(work, `posts-${++postsFile}.tsv`)
  writeFileSync(file, Array.from({ length: POSTS_PER_SECOND * seconds }, consentPost).join('\n') + '\n')
  return file
}

function countRecords(db: string, siteId: string): number {
  const c = new Database(db, { readonly: true })
  try {
    return (c.prepare('SELECT count(*) AS n FROM consent_records WHERE site_id = ?').get(siteId) as { n: number }).n
  } finally {
    c.close()
  }
}

const ingestRun = (server: Server): Run => ({ server, path: '/api/v1/consents', posts: true })

type Ingestion = Load & { stored: number; allStored: boolean }

/** Proof that every acknowledged record is stored: the log's growth against the 201s. */
function checkStored(result: Load, db: string, before: number): Ingestion {
  const stored = countRecords(db, 'minopa') - before
  // Requests still in flight when the generator stops may be stored unacknowledged; never fewer.
  return { ...result, stored, allStored: stored >= result.ok && result.ok > 0 }
}

async function login(url: string): Promise<string> {
  const res = await fetch(url + '/api/admin/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) })
  if (!res.ok) throw new Error(`login failed: ${res.status}`)
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!
}

type ExportResult = Awaited<ReturnType<typeof exportRun>>

interface Download {
  status: number
  exportId: string | null
  lines: number
  bytes: number
  ms: number
  cpuMs: number
}

/** One export downloaded by download.mjs in a process of its own; rejects unless it answered 200. */
function downloaded(url: string, cookie: string): Promise<Download> {
  const child = spawn(process.execPath, [join(here, 'download.mjs'), url], { env: { ...process.env, BENCH_COOKIE: cookie }, stdio: ['ignore', 'pipe', 'inherit'] })
  children.add(child)
  let out = ''
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s))
  return new Promise((resolve, reject) =>
    child.on('error', reject).on('exit', (code) => {
      children.delete(child)
      if (code !== 0) return reject(new Error(`download exited with ${code}`))
      const result = JSON.parse(out) as Download
      if (result.status !== 200) return reject(new Error(`export answered ${result.status}`))
      resolve(result)
    }),
  )
}

async function exportRun(server: Server, format: 'csv' | 'ndjson') {
  const cookie = await login(server.url)
  const baseline = memoryKb(server.pid).rss
  let peak = baseline
  const sampler = setInterval(() => {
    peak = Math.max(peak, memoryKb(server.pid).rss)
  }, 50)
  const cpu0 = cpuMs(server.pid)
  // The download runs in a small process of its own (download.mjs): in this one, it cost about a
  // quarter of the export's CPU, on the same two cores.
  const download = await downloaded(`${server.url}/api/admin/sites/minimagic/export?format=${format}`, cookie)
  const seconds = download.ms / 1000
  const cpu = cpuMs(server.pid) - cpu0
  clearInterval(sampler)
  peak = Math.max(peak, memoryKb(server.pid).rss)
  const { lines, bytes } = download
  const rows = format === 'csv' ? lines - 1 : lines
  const manifest = (await (
    await fetch(`${server.url}/api/admin/sites/minimagic/exports/${download.exportId}/manifest`, { headers: { cookie } })
  ).json()) as { rowCount: number }
  return { rows, rowsPerSecond: rows / seconds, cpuUsPerRow: (cpu * 1000) / Math.max(1, rows), clientCpuUsPerRow: (download.cpuMs * 1000) / Math.max(1, rows), seconds, megabytes: bytes / 1e6, baselineMb: baseline / 1024, peakMb: peak / 1024, manifestRows: manifest.rowCount }
}

/** The stored log, generated once per size (minutes for millions of chained records) and copied per run. */
async function storedLog(): Promise<string> {
  const cacheDir = join(tmpdir(), 'miniconsent-bench-cache')
  // v3: records in hash format 2 (personal_hash, prevFormat), as 0.6 writes them.
  const cached = join(cacheDir, `stored-${STORED}-${EXPORT_ROWS}-v3.sqlite`)
  if (!existsSync(cached + '.done')) {
    mkdirSync(cacheDir, { recursive: true })
    rmSync(cached, { force: true })
    process.stdout.write(`generating ${STORED.toLocaleString('en')} chained records (once; cached in ${cacheDir}) …\n`)
    const t0 = performance.now()
    const db = openDatabase(cached)
    seedSites(db, DEMO_SITES, { now: Date.now() })
    generateRecords(db, 'minopa', STORED - EXPORT_ROWS)
    generateRecords(db, 'minimagic', EXPORT_ROWS)
    db.$client.pragma('wal_checkpoint(TRUNCATE)')
    db.$client.close()
    writeFileSync(cached + '.done', new Date().toISOString())
    process.stdout.write(`  generated in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`)
  }
  const copy = join(work, 'stored.sqlite')
  copyFileSync(cached, copy)
  // The server's start makes its owner a member only of the sites it creates itself (seed.ts):
  // the owner of these, which existed before, is made here, as an admin would have been invited.
  const db = openDatabase(copy)
  const { userId } = await ensureOwner(db, ADMIN.email, ADMIN.password, Date.now())
  for (const site of DEMO_SITES) db.insert(memberships).values({ userId, siteId: site.settings.id, role: 'owner' }).onConflictDoNothing().run()
  db.$client.pragma('wal_checkpoint(TRUNCATE)')
  db.$client.close()
  // The copy's gigabytes are written back to disk in the background for a while; each commit
  // syncs to disk, so without this they would wait behind that write-back, and the run would
  // measure the copy.
  writtenBack(copy)
  return copy
}

/** Returns once what was written to `file` is on disk: no write-back of it runs beside what is measured next. */
function writtenBack(file: string) {
  const fd = openSync(file, 'r+')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED')

async function main() {
  process.stdout.write(`server benchmarks: ${SECONDS} s per run, ${CONNECTIONS} connections, 127.0.0.1\n`)
  if (!existsSync(join(here, '../dist/main.js'))) throw new Error('build the server first (pnpm build)')

  let ceiling: Load | undefined
  let config: Load | undefined
  let ingestEmpty: Ingestion | undefined
  /** Median over the rounds of each run's share of the ceiling, by requests/s and by CPU per request. */
  let shares: { config: Share; ingest: Share; bareConfigBody: Share; barePost: Share; bareWriter: Share } | undefined
  let bareConfigBody: Load | undefined
  let barePost: Load | undefined
  let bareWriter: Ingestion | undefined
  if (PARTS.has('load')) {
    const hello = await start(...runtime('hello.mjs'), '/')
    // The config fetch and the ingestion each get a server of their own: sharing one, the config's
    // slices were billed what the ingestion's left running (the writer thread's checkpoints, the
    // collection of requests that waited for a commit): ~2 µs per config request, measured.
    const app = await startApp(join(work, 'config.sqlite'))
    const emptyDb = join(work, 'empty.sqlite')
    const ingestApp = await startApp(emptyDb)
    const configBody = join(work, 'config.json')
    writeFileSync(configBody, Buffer.from(await (await fetch(app.url + '/api/v1/sites/minopa/config')).arrayBuffer()))
    const sameBody = await start(...runtime('hello.mjs', { HELLO_BODY_FILE: configBody }), '/')
    // The design's bound (bare-writer.mjs): receiving a record and the writer thread, nothing else.
    const bareWriterDb = join(work, 'bare-writer.sqlite')
    const seeded = openDatabase(bareWriterDb)
    seedSites(seeded, DEMO_SITES, { now: Date.now() })
    seeded.$client.close()
    const writerOnly = await start(...runtime('bare-writer.mjs', { DATABASE_URL: bareWriterDb }), '/')
    // As a browser asks for it: compressed (the server keeps each variant's brotli bytes).
    const configRun: Run = { server: app, path: '/api/v1/sites/minopa/config', headers: { 'accept-encoding': 'gzip, deflate, br' } }
    // Fresh processes: warmed up first, outside the measurement (the JIT; a new log's first
    // seconds of records cost more: a server alone under ingestion settles after ~4 s).
    for (const run of [{ server: hello, path: '/' }, { server: sameBody, path: '/' }, configRun, ingestRun(ingestApp), ingestRun(hello), ingestRun(writerOnly)]) {
      await load(run, WARM_UP_SECONDS)
    }
    const rounds: { hello: Load; sameBody: Load; barePost: Load; config: Load; ingest: Ingestion; bareWriter: Ingestion }[] = []
    for (let i = 0; i < ROUNDS; i++) {
      const before = countRecords(emptyDb, 'minopa')
      const beforeBare = countRecords(bareWriterDb, 'minopa')
      const [helloLoad, sameBodyLoad, barePostLoad, configLoad, ingestLoad, bareWriterLoad] = await interleaved([
        { server: hello, path: '/' },
        { server: sameBody, path: '/' },
        ingestRun(hello),
        configRun,
        ingestRun(ingestApp),
        ingestRun(writerOnly),
      ])
      const round = {
        hello: helloLoad!,
        sameBody: sameBodyLoad!,
        barePost: barePostLoad!,
        config: configLoad!,
        ingest: checkStored(ingestLoad!, emptyDb, before),
        bareWriter: checkStored(bareWriterLoad!, bareWriterDb, beforeBare),
      }
      rounds.push(round)
      const line = (name: string, l: Load) => `${name} ${fmt(l.rps)} req/s ${fmt(l.cpuUs)} µs`
      process.stdout.write(
        `round ${i + 1}: ${[line('hello', round.hello), line('same body', round.sameBody), line('bare POST', round.barePost), line('config', round.config), line('ingest', round.ingest), line('bare writer', round.bareWriter)].join(' · ')}\n`,
      )
    }
    await hello.stop()
    await sameBody.stop()
    await app.stop()
    await ingestApp.stop()
    await writerOnly.stop()
    bareWriter = {
      ...medianLoad(rounds.map((r) => r.bareWriter)),
      stored: rounds.reduce((n, r) => n + r.bareWriter.stored, 0),
      allStored: rounds.every((r) => r.bareWriter.allStored),
    }
    bareConfigBody = medianLoad(rounds.map((r) => r.sameBody))
    barePost = medianLoad(rounds.map((r) => r.barePost))
    ceiling = medianLoad(rounds.map((r) => r.hello))
    config = medianLoad(rounds.map((r) => r.config))
    ingestEmpty = {
      ...medianLoad(rounds.map((r) => r.ingest)),
      stored: rounds.reduce((n, r) => n + r.ingest.stored, 0),
      allStored: rounds.every((r) => r.ingest.allStored),
    }
    const shareOf = (run: (r: (typeof rounds)[number]) => Load): Share => ({
      rps: median(rounds.map((r) => run(r).rps / r.hello.rps)),
      cpu: median(rounds.map((r) => r.hello.cpuUs / run(r).cpuUs)),
    })
    shares = {
      config: shareOf((r) => r.config),
      ingest: shareOf((r) => r.ingest),
      bareConfigBody: shareOf((r) => r.sameBody),
      barePost: shareOf((r) => r.barePost),
      bareWriter: shareOf((r) => r.bareWriter),
    }
  }

  let ingestStored: typeof ingestEmpty
  let storedShare: Share | undefined
  const exports: { CSV?: ExportResult[]; NDJSON?: ExportResult[] } = {}
  if (PARTS.has('stored') || PARTS.has('export')) {
    const storedDb = await storedLog()
    if (PARTS.has('stored')) {
      // Rounds of (empty log, stored log) taking turns, each ratio within its round, as above.
      const emptyDb = join(work, 'empty-beside-stored.sqlite')
      const apps = { empty: await startApp(emptyDb), stored: await startApp(storedDb) }
      // Fresh processes: warm them up first.
      for (const app of Object.values(apps)) await load(ingestRun(app), WARM_UP_SECONDS)
      const pairs: { empty: Ingestion; stored: Ingestion }[] = []
      for (let i = 0; i < ROUNDS; i++) {
        const before = { empty: countRecords(emptyDb, 'minopa'), stored: countRecords(storedDb, 'minopa') }
        const [empty, stored] = await interleaved([ingestRun(apps.empty), ingestRun(apps.stored)])
        pairs.push({ empty: checkStored(empty!, emptyDb, before.empty), stored: checkStored(stored!, storedDb, before.stored) })
      }
      await apps.empty.stop()
      await apps.stored.stop()
      ingestStored = {
        ...medianLoad(pairs.map((p) => p.stored)),
        stored: pairs.reduce((n, p) => n + p.stored.stored, 0),
        allStored: pairs.every((p) => p.stored.allStored && p.empty.allStored),
      }
      storedShare = {
        rps: median(pairs.map((p) => p.stored.rps / p.empty.rps)),
        cpu: median(pairs.map((p) => p.empty.cpuUs / p.stored.cpuUs)),
      }
    }
    if (PARTS.has('export')) {
      // The ingestion runs left ~200,000 records' pages to write back (their checkpoints), which
      // took CPU beside the export: CSV at 127,000 rows/s just after them, 168,000–209,000 on its own.
      writtenBack(storedDb)
      // A fresh process for each export: its memory is then the export's, not what the load left
      // behind. Each format runs EXPORT_RUNS times: one export takes seconds, and the machine's
      // speed moves by tens of percent between such stretches.
      const formats = (process.env.BENCH_FORMATS ?? 'csv,ndjson').split(',')
      for (const format of ['csv', 'ndjson'] as const) {
        if (!formats.includes(format)) continue
        const runs: ExportResult[] = []
        for (let i = 0; i < EXPORT_RUNS; i++) {
          const app = await startApp(storedDb)
          runs.push(await exportRun(app, format))
          await app.stop()
        }
        exports[format === 'csv' ? 'CSV' : 'NDJSON'] = runs
      }
    }
  }

  const row = (name: string, r: Load, target: string, share?: Share, min?: number): string[] => [
    name,
    fmt(r.rps),
    fmt(r.p99),
    fmt(r.cpuUs),
    target,
    share ? `${fmt(share.rps * 100)} %${min ? ' ' + verdict(share.rps >= min) : ''}` : '',
    // Throughput the CPU cost alone would allow, relative to the base: base µs / this µs.
    share ? `${fmt(share.cpu * 100)} %${min ? ' ' + verdict(share.cpu >= min) : ''}` : '',
  ]
  const rows: string[][] = [['run', 'requests/s', 'p99 ms', 'server CPU µs/req', 'target', 'by requests/s', 'by CPU µs/req']]
  if (ceiling && config && ingestEmpty && shares && bareConfigBody && barePost && bareWriter) {
    rows.push(
      row('bare Hono hello-world (ceiling)', ceiling, ''),
      // Not a target: the same bare app answering the config's bytes, i.e. what the body's size alone costs.
      row('bare Hono, the config JSON as its body', bareConfigBody, '(payload floor)', shares.bareConfigBody),
      // Not a target either: the same bare app reading and parsing the record an ingestion gets, storing nothing.
      row('bare Hono, POST of a consent record', barePost, '(ingestion floor)', shares.barePost),
      row('GET /api/v1/sites/minopa/config', config, '≥ 70 % of ceiling', shares.config, 0.7),
      row('POST /api/v1/consents, empty log', ingestEmpty, '≥ 40 % of ceiling', shares.ingest, 0.4),
      // Not a target: bare node:http handing each record to the writer thread, nothing checked.
      row('bare node:http POST + the writer thread', bareWriter, "(this design's bound)", shares.bareWriter),
    )
  }
  if (ingestStored) rows.push(row(`POST /api/v1/consents, ${fmt(STORED)} stored`, ingestStored, '≥ 80 % of empty log', storedShare, 0.8))
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  const line = (r: string[]) => '| ' + r.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |'
  if (rows.length > 1) process.stdout.write(`\n(medians of ${ROUNDS} rounds, each of runs taking turns in 1 s slices; the stored log's share is of the empty log's in the same round)\n` + [line(rows[0]!), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n') + '\n')

  const ingestions = [['empty log', ingestEmpty], [`${fmt(STORED)} stored`, ingestStored], ['bare writer', bareWriter]] as const
  for (const [name, r] of ingestions) {
    if (!r) continue
    process.stdout.write(
      `ingestion (${name}): ${fmt(r.ok)} acknowledged, ${fmt(r.stored)} stored — ${r.allStored ? 'every acknowledged record committed' : 'RECORDS MISSING'}` +
        (r.non2xx || r.errors ? `; ${fmt(r.non2xx)} non-2xx, ${fmt(r.errors)} errors/timeouts` : '') +
        '\n',
    )
  }
  for (const [name, runs] of Object.entries(exports)) {
    // The run of median speed; memory is judged by the highest peak of all runs.
    const e = [...runs].sort((a, b) => a.rowsPerSecond - b.rowsPerSecond)[runs.length >> 1]!
    const peakMb = Math.max(...runs.map((r) => r.peakMb))
    process.stdout.write(
      `export ${name} of ${fmt(e.rows)} records (median of ${runs.length} runs): ${fmt(e.rowsPerSecond)} rows/s (${fmt(e.seconds, 1)} s, ${fmt(e.megabytes)} MB, server CPU ${fmt(e.cpuUsPerRow, 1)} µs/row, download ${fmt(e.clientCpuUsPerRow, 1)} µs/row), ` +
        `server RSS ${fmt(e.baselineMb)} → peak ${fmt(peakMb)} MB (highest of the runs); manifest rows ${fmt(e.manifestRows)} — ` +
        `≥ 200,000 rows/s ${verdict(e.rowsPerSecond >= 200_000)}, < 150 MB ${verdict(peakMb < 150)}\n` +
        `  runs: ${runs.map((r) => `${fmt(r.rowsPerSecond)} rows/s, ${fmt(r.cpuUsPerRow, 1)} µs/row, peak ${fmt(r.peakMb)} MB`).join(' · ')}\n`,
    )
  }
  // The retention purge, measured apart (bench/purge.ts): a reliability figure, not a target.
  if (PARTS.has('purge')) process.stdout.write(await purgeBench(Number(process.env.BENCH_PURGE_RECORDS ?? 1_000_000)))
  const failed =
    [ingestEmpty, ingestStored, bareWriter].some((r) => r && !r.allStored) || Object.values(exports).flat().some((e) => e.manifestRows !== e.rows)
  if (failed) process.exitCode = 1
}

main()
  .catch((e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
    process.exitCode = 1
  })
  .finally(() => {
    stopAll()
    process.exit()
  })
