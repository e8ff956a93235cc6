// Benchmarks the SDK against other consent managers (issues 3 and 4): brotli sizes of the files
// each visit loads, then first and returning visits in Debian's chromium at 4× CPU throttling.
// Everything is served from 127.0.0.1 by a small page server: the pages, every manager's files
// (MiniConsent's as the real server — server/dist, a temporary SQLite file, a free port — sent them
// at start; the others from e2e's node_modules) and the consent API, proxied to that server;
// chromium resolves no other host. Prints a table and writes
// artifacts/bench/sdk-bench.json. `BENCH_RUNS` (default 20), `BENCH_SITE` (default minopa),
// `BENCH_ONLY` (comma-separated managers), `BENCH_TRACES` (a directory to keep every trace, for
// DevTools' Performance panel).
// Measures sdk/dist and server/dist as they are: build them first.
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, request } from 'node:http'
import { createServer as createNetServer } from 'node:net'
import { cpus, loadavg, tmpdir } from 'node:os'
import { extname, join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants } from 'node:zlib'
import { chromium } from '@playwright/test'
import { CLARITY_STAND_IN, GATED_COUNT, variants } from './pages.mjs'
import { probe } from './probe.mjs'
import { attribute, TRACE_CATEGORIES } from './trace.mjs'

const e2eDir = fileURLToPath(new URL('..', import.meta.url))
const repo = join(e2eDir, '..')
const sdkDist = join(repo, 'sdk/dist')
const serverMain = join(repo, 'server/dist/main.js')
const modules = join(e2eDir, 'node_modules')
const outFile = join(e2eDir, 'artifacts/bench/sdk-bench.json')

const RUNS = Number(process.env.BENCH_RUNS ?? 20)
const SITE = process.env.BENCH_SITE ?? 'minopa'
const CPU_THROTTLING = 4
/** After load and the banner's paint: time for deferred work (idle callbacks, chunk prefetches). */
const QUIET_MS = 250
/**
 * The bench is bounded in time and stops by itself. 20 rounds take about 5 minutes on a quiet
 * 2-core machine, so the bound leaves room for a busy one before it cuts rounds.
 */
const DEADLINE_MS = 9 * 60_000
/** No browser round starts unless it should end (as long as the slowest so far) within this. */
const BUDGET_MS = DEADLINE_MS - 20_000
const started = Date.now()

const cleanups = []
async function cleanup() {
  while (cleanups.length) await cleanups.pop()().catch((e) => console.error('bench: cleanup:', e.message))
}
const deadline = setTimeout(() => {
  console.error(`bench: over ${DEADLINE_MS / 60_000} minutes, stopping`)
  cleanup().finally(() => process.exit(1))
}, DEADLINE_MS)
deadline.unref()
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => cleanup().finally(() => process.exit(130)))

// ---------------------------------------------------------------------------------------------
// Sizes

const brotli = (buf) => brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length

function sizeOf(files) {
  const each = files.map((path) => ({ path: path.replace(repo + sep, '').replace(sep + 'node_modules' + sep, '/node_modules/'), raw: statSync(path).size, brotli: brotli(readFileSync(path)) }))
  return { files: each, raw: each.reduce((s, f) => s + f.raw, 0), brotli: each.reduce((s, f) => s + f.brotli, 0) }
}

function measureSizes() {
  if (!existsSync(join(sdkDist, 'manifest.json'))) throw new Error('no sdk/dist/manifest.json: run `pnpm --filter @miniconsent/sdk build` first')
  const manifest = JSON.parse(readFileSync(join(sdkDist, 'manifest.json'), 'utf8'))
  const sdk = (list) => list.map((f) => join(sdkDist, f))
  const vcc = (f) => join(modules, 'vanilla-cookieconsent/dist', f)
  const osano = (f) => join(modules, 'cookieconsent/build', f)
  const orejime = (f) => join(modules, 'orejime/dist', f)
  // The SDK's own budgets, as sdk/scripts/size.mjs checks them.
  const sizeScript = readFileSync(join(repo, 'sdk/scripts/size.mjs'), 'utf8')
  const budget = (visit) => Number(sizeScript.match(new RegExp(`\\b${visit}:\\s*(\\d+)`))?.[1]) || undefined
  // `issue`: the figure the issue quotes, to compare with what this run measures.
  return [
    { id: 'miniconsent-returning', label: 'MiniConsent returning visit', js: sizeOf(sdk(manifest.returningVisit)), budget: budget('returningVisit'), note: 'config placeholder, as built' },
    { id: 'miniconsent-first', label: 'MiniConsent first visit (en)', js: sizeOf(sdk(manifest.firstVisit)), budget: budget('firstVisit'), note: 'manifest.firstVisit; CSS is inside banner.js' },
    { id: 'miniconsent-first-click', label: 'MiniConsent first visit + Accept', js: sizeOf(sdk(manifest.firstVisitAndClick)), note: 'manifest.firstVisitAndClick' },
    { id: 'vanilla-core', label: 'vanilla-cookieconsent 3.1.0 core', js: sizeOf([vcc('core/cookieconsent-core.umd.js')]), issue: { js: 4079 }, note: 'core-only build: no banner UI' },
    { id: 'vanilla-full', label: 'vanilla-cookieconsent 3.1.0 full', js: sizeOf([vcc('cookieconsent.umd.js')]), css: sizeOf([vcc('cookieconsent.css')]), issue: { jsCss: 13782 }, note: 'the build with UI (bench page)' },
    { id: 'osano', label: 'Osano cookieconsent 3.1.1', js: sizeOf([osano('cookieconsent.min.js')]), css: sizeOf([osano('cookieconsent.min.css')]), issue: { js: 5909, jsCss: 6962 }, note: 'not in the browser runs' },
    { id: 'orejime', label: 'Orejime 3.2.1 (standard, en)', js: sizeOf([orejime('orejime-standard-en.js')]), css: sizeOf([orejime('orejime-standard.css')]), issue: { jsCss: 13038 }, note: 'Preact inside' },
  ]
}

// ---------------------------------------------------------------------------------------------
// Servers

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createNetServer()
    s.unref()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

async function startMiniConsent() {
  if (!existsSync(serverMain)) throw new Error('no server/dist/main.js: run `pnpm --filter @miniconsent/server build` first')
  const dir = await mkdtemp(join(tmpdir(), 'miniconsent-bench-'))
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  const port = await freePort()
  const child = spawn(process.execPath, [serverMain], {
    cwd: join(repo, 'server'),
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: join(dir, 'bench.sqlite'),
      MINICONSENT_ADMIN_EMAIL: 'bench@bench.test',
      MINICONSENT_ADMIN_PASSWORD: randomBytes(12).toString('hex'),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  cleanups.push(async () => {
    if (child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    process.kill(child.pid, 'SIGTERM')
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))])
    if (child.exitCode === null) process.kill(child.pid, 'SIGKILL')
  })
  const origin = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the MiniConsent server exited (${child.exitCode}): ${stderr}`)
    try {
      if ((await fetch(origin + '/healthz')).ok) break
    } catch {}
    if (i > 200) throw new Error('the MiniConsent server did not answer /healthz within 20 s')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { origin, port, pid: child.pid }
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' }
const VENDOR_PACKAGES = ['vanilla-cookieconsent', 'orejime']

/**
 * The bench pages and every manager's files, all static and from memory alike: MiniConsent's are
 * the bytes its server sent at start (the per-site script with the config spliced in) and sdk/dist
 * read at start, so a rebuild during the run cannot mix two builds, and the server's own work per
 * request (and a second hop) is not counted against the SDK. /api/ goes to the MiniConsent server.
 */
async function startPageServer(pages, upstreamPort, sdkFiles) {
  const vendorFiles = new Map()
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1')
    const send = (status, type, body) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' })
      res.end(body)
    }
    // The per-site script loads its chunks from its build's directory, /sdk/v/<build>/.
    const sdkFile = url.pathname.match(/^\/sdk\/(?:v\/[0-9a-f]{16}\/)?([\w.-]+)$/)?.[1]
    if (sdkFile) return sdkFiles.has(sdkFile) ? send(200, TYPES[extname(sdkFile)] ?? 'application/octet-stream', sdkFiles.get(sdkFile)) : send(404, 'text/plain', 'not found')
    if (url.pathname.startsWith('/api/')) {
      const up = request({ host: '127.0.0.1', port: upstreamPort, path: req.url, method: req.method, headers: req.headers }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers)
        upRes.pipe(res)
      })
      up.on('error', () => send(502, 'text/plain', 'upstream error'))
      req.pipe(up)
      return
    }
    const name = url.pathname.slice(1).replace(/\.html$/, '')
    if (pages[name]) return send(200, TYPES['.html'], pages[name].html)
    const config = url.pathname.match(/^\/bench-config\/([\w-]+)\.js$/)?.[1]
    if (config && pages[config]?.config) return send(200, TYPES['.js'], pages[config].config)
    if (url.pathname === '/stand-in/clarity.js') return send(200, TYPES['.js'], CLARITY_STAND_IN)
    const [, pkg, ...rest] = url.pathname.match(/^\/vendor\/([^/]+)\/(.+)$/) ?? []
    if (pkg && VENDOR_PACKAGES.includes(pkg)) {
      const base = join(modules, pkg)
      const file = normalize(join(base, ...rest))
      if (file.startsWith(base + sep)) {
        try {
          if (!vendorFiles.has(file)) vendorFiles.set(file, await readFile(file))
          return send(200, TYPES[extname(file)] ?? 'application/octet-stream', vendorFiles.get(file))
        } catch {}
      }
    }
    send(404, 'text/plain', 'not found')
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise((resolve) => server.close(resolve)))
  server.keepAliveTimeout = 1000
  return `http://127.0.0.1:${server.address().port}`
}

// ---------------------------------------------------------------------------------------------
// Browser runs

/** The flags of playwright.config.ts, read from it so that both stay the same. */
function chromiumArgsFromConfig() {
  const text = readFileSync(join(e2eDir, 'playwright.config.ts'), 'utf8')
  const list = text.match(/const chromiumArgs = \[([^\]]*)\]/)?.[1]
  if (!list) throw new Error('cannot find `const chromiumArgs = [...]` in playwright.config.ts')
  return [...list.matchAll(/'([^']+)'/g)].map((m) => m[1])
}

const within = (promise, ms, what) =>
  Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms))])

/** Clicks the banner's button with that text with the mouse, as a visitor would. */
async function clickButton(page, banner, text) {
  const box = await page.evaluate(
    ([banner, source, flags]) => {
      const re = new RegExp(source, flags)
      const button = [...document.querySelectorAll(`${banner} button, ${banner} [role=button]`)].find((b) => re.test(b.textContent.trim()))
      const r = button?.getBoundingClientRect()
      return r && { x: r.x + r.width / 2, y: r.y + r.height / 2 }
    },
    [banner, text.source, text.flags],
  )
  if (!box) throw new Error(`no button ${text} in ${banner}`)
  await page.mouse.click(box.x, box.y)
}

/**
 * A fresh context (empty HTTP cache) and page for one visit, the CPU throttled and the probe in
 * place. Made while the previous visit is past its measured part, so it costs the budget little.
 */
async function prepare(browser, v, { returning, storageState }) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, storageState })
  const errors = []
  const external = []
  const consentPosts = []
  const loaded = []
  const waiters = new Map()
  const waiter = (kind) => {
    if (!waiters.has(kind)) {
      let resolve
      const promise = new Promise((r) => (resolve = r))
      waiters.set(kind, { promise, resolve })
    }
    return waiters.get(kind)
  }
  try {
    const page = await context.newPage()
    page.on('pageerror', (e) => errors.push(String(e.message ?? e)))
    context.on('request', (req) => {
      const u = new URL(req.url())
      if ((u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '127.0.0.1') external.push(req.url())
      else if (['script', 'stylesheet'].includes(req.resourceType())) loaded.push(u.pathname)
    })
    page.on('response', (res) => {
      if (res.url().includes('/api/v1/consents') && res.request().method() === 'POST') consentPosts.push(res.status())
    })
    // The probe reports through the console, which Playwright listens to anyway (no extra binding).
    page.on('console', (msg) => {
      const kind = msg.text().match(/^__bench:(.+)$/)?.[1]
      if (kind) waiter(kind).resolve()
    })
    await page.addInitScript(probe, { banner: returning ? null : v.banner, gated: GATED_COUNT })
    const cdp = await context.newCDPSession(page)
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_THROTTLING })
    return { context, page, waiter, errors, external, consentPosts, loaded }
  } catch (e) {
    await context.close()
    throw e
  }
}

/**
 * One visit, traced from before the navigation until the page settled; on a first visit, then a
 * click on Accept all (not traced). `whenMeasured` is called once nothing measured runs any more (it
 * prepares the next visit, alongside this one's tail).
 */
async function visit(browser, base, key, v, prepared, { returning, keepState }, whenMeasured) {
  const { context, page, waiter, errors, external, consentPosts, loaded } = prepared
  try {
    const url = `${base}/${key}.html`
    await browser.startTracing(page, { categories: TRACE_CATEGORIES })
    let trace
    try {
      await page.goto(url, { waitUntil: 'load' })
      if (!returning) await within(waiter('banner').promise, 15_000, `the ${key} banner`)
      await page.waitForTimeout(QUIET_MS)
    } finally {
      if (returning) whenMeasured()
      trace = await browser.stopTracing()
    }
    if (process.env.BENCH_TRACES) await writeFile(join(process.env.BENCH_TRACES, `${key}-${returning ? 'returning' : 'first'}-${Date.now()}.json`), trace)
    const own = (u) => u.startsWith(base) && v.owns.some((prefix) => u.startsWith(base + prefix))
    const out = attribute(JSON.parse(trace.toString('utf8')).traceEvents, url, own)
    const before = await page.evaluate(() => ({ ...window.__bench, ran: [...window.__bench.ran] }))
    Object.assign(out, { fcpMs: before.fcp, cls: before.cls, ranBeforeChoice: before.ran.length })
    if (returning) {
      out.bannerShown = await page.evaluate((sel) => !!document.querySelector(sel)?.checkVisibility({ opacityProperty: true, visibilityProperty: true }), v.banner)
      await within(waiter('ran-all').promise, 5_000, `the gated tags on a returning ${key} visit`).catch(() => {})
      out.ranOnReturn = await page.evaluate(() => window.__bench.ran.length)
    } else {
      out.bannerMs = before.bannerAt
      await clickButton(page, v.banner, v.accept)
      await within(Promise.all([waiter('click-paint').promise, waiter('gone').promise]), 10_000, `the ${key} banner to close`)
      // The gated tags run once granted; the Clarity stand-in is fetched first.
      await within(waiter('ran-all').promise, 5_000, `the gated tags after Accept all (${key})`).catch(() => {})
      const r = await page.evaluate(() => ({ ...window.__bench, ran: [...window.__bench.ran] }))
      Object.assign(out, { clickPaintMs: r.clickPaintAt - r.clickAt, clickGoneMs: r.goneAt - r.clickAt, eventTimingMs: r.eventDuration, ranAfterAccept: r.ran.length })
      // Not earlier: a context being made while the click is timed would compete with it for the CPU.
      if (!keepState) whenMeasured()
      if (keepState) {
        await page.waitForTimeout(300)
        out.storageState = await context.storageState({ indexedDB: true })
      }
    }
    Object.assign(out, { consentPosts, loaded, errors, external })
    return out
  } finally {
    await context.close()
  }
}

const sorted = (xs) => xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b)
function median(xs) {
  const s = sorted(xs)
  if (!s.length) return null
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
function p90(xs) {
  const s = sorted(xs)
  return s.length ? s[Math.ceil(0.9 * s.length) - 1] : null
}
const stat = (runs, field) => ({ median: median(runs.map((r) => r[field])), p90: p90(runs.map((r) => r[field])) })

/** A fingerprint of sdk/dist, to notice a rebuild during the run (the server reads it per request). */
function distFingerprint() {
  const h = createHash('sha256')
  for (const f of readdirSync(sdkDist).sort()) h.update(f).update(readFileSync(join(sdkDist, f)))
  return h.digest('hex').slice(0, 16)
}

async function main() {
  const loadAtStart = loadavg()
  const distAtStart = distFingerprint()
  await mkdir(join(e2eDir, 'artifacts/bench'), { recursive: true })
  const sizes = measureSizes()
  const mc = await startMiniConsent()
  const config = await (await fetch(`${mc.origin}/api/v1/sites/${SITE}/config`)).json()
  if (!config.catalogue) throw new Error(`no published config for site ${SITE}: ${JSON.stringify(config)}`)
  const served = await (await fetch(`${mc.origin}/sdk/${SITE}.js`)).text()
  sizes.splice(1, 0, {
    id: 'miniconsent-served',
    label: `MiniConsent /sdk/${SITE}.js as served`,
    js: { files: [{ path: `GET /sdk/${SITE}.js`, raw: Buffer.byteLength(served), brotli: brotli(Buffer.from(served)) }], raw: Buffer.byteLength(served), brotli: brotli(Buffer.from(served)) },
    note: `core with the site's config spliced in (${config.catalogue.categories.length} categories, ${config.catalogue.services.length} services, ${config.catalogue.entries.length} cookies)`,
  })

  const pages = variants({ catalogue: config.catalogue, privacyPolicyUrl: config.site?.privacyPolicyUrl ?? '/privacy', siteId: SITE })
  const sdkFiles = new Map(readdirSync(sdkDist).filter((f) => /\.(js|css)$/.test(f)).map((f) => [f, readFileSync(join(sdkDist, f))]))
  sdkFiles.set(`${SITE}.js`, Buffer.from(served))
  const base = await startPageServer(pages, mc.port, sdkFiles)
  const args = [...chromiumArgsFromConfig(), '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1']
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args })
  cleanups.push(() => browser.close())
  const browserVersion = browser.version()

  const managers = (process.env.BENCH_ONLY ?? 'miniconsent,vanilla-cookieconsent,orejime').split(',')
  const first = Object.fromEntries(managers.map((k) => [k, []]))
  const returning = Object.fromEntries(managers.map((k) => [k, []]))
  const states = {}
  // Round robin, so that a slower minute of the machine hits every manager alike. A round whose
  // expected end is past the time budget is not started: fewer runs, reported as such.
  const round = (n) => [
    ...managers.map((key) => ({ key, returning: false, keepState: n === 0 })),
    ...managers.map((key) => ({ key, returning: true })),
  ]
  // A returning visit starts from the choice its manager's first visit of round 0 stored.
  const prep = (job) => {
    const p = prepare(browser, pages[job.key], { returning: job.returning, storageState: job.returning ? states[job.key] : undefined })
    p.catch(() => {}) // awaited by the visit it is for; a failure meanwhile must not end the process
    return p
  }
  let rounds = 0
  let slowest = 0
  let jobs = round(0)
  let ready = prep(jobs[0])
  const canStart = () => rounds < RUNS && Date.now() - started + slowest < BUDGET_MS
  let t = Date.now()
  while (jobs.length) {
    const job = jobs.shift()
    let nextJob = jobs[0]
    // The next round's first visit is prepared on the chance that the round starts (else closed).
    if (!nextJob && rounds + 1 < RUNS) nextJob = round(rounds + 1)[0]
    const prepared = await ready
    ready = null
    const r = await visit(browser, base, job.key, pages[job.key], prepared, job, () => {
      // Not before that visit stored its choice (with a single manager, the one running now).
      if (!nextJob || (nextJob.returning && !states[nextJob.key])) return Promise.resolve()
      ready = prep(nextJob)
      return ready
    })
    if (r.storageState) (states[job.key] = r.storageState), delete r.storageState
    ;(job.returning ? returning : first)[job.key].push(r)
    if (!jobs.length) {
      rounds++
      slowest = Math.max(slowest, Date.now() - t)
      t = Date.now()
      process.stdout.write(`\rround ${rounds}/${RUNS} (${Math.round((Date.now() - started) / 1000)} s)`)
      if (canStart()) jobs = round(rounds)
    }
    if (jobs.length && !ready) ready = prep(jobs[0])
  }
  if (ready) await ready.then((p) => p.context.close(), () => {})
  process.stdout.write('\n')
  if (rounds < RUNS) console.error(`bench: only ${rounds} of ${RUNS} runs fit in the ${BUDGET_MS / 1000} s budget (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`)

  const distChanged = distFingerprint() !== distAtStart
  if (distChanged) console.error('bench: sdk/dist was rebuilt during the run; the figures are of the build read at the start')

  const results = managers.map((key) => {
    const f = first[key]
    const r = returning[key]
    const all = [...f, ...r]
    return {
      id: key,
      label: pages[key].label,
      firstVisit: {
        bannerPaintedMs: stat(f, 'bannerMs'),
        sdkMainThreadMs: stat(f, 'sdkMs'),
        sdkMainThreadWallMs: stat(f, 'sdkWallMs'),
        pageMainThreadMs: stat(f, 'pageMs'),
        pageMainThreadWallMs: stat(f, 'pageWallMs'),
        cls: stat(f, 'cls'),
        acceptClickToNextPaintMs: stat(f, 'clickPaintMs'),
        acceptClickToBannerGoneMs: stat(f, 'clickGoneMs'),
        acceptEventTimingMs: stat(f, 'eventTimingMs'),
        fcpMs: stat(f, 'fcpMs'),
      },
      returningVisit: {
        sdkMainThreadMs: stat(r, 'sdkMs'),
        sdkMainThreadWallMs: stat(r, 'sdkWallMs'),
        pageMainThreadMs: stat(r, 'pageMs'),
        pageMainThreadWallMs: stat(r, 'pageWallMs'),
        fcpMs: stat(r, 'fcpMs'),
      },
      checks: {
        profiled: all.every((x) => x.profiled),
        gatedRanBeforeChoice: Math.max(...f.map((x) => x.ranBeforeChoice)),
        gatedRanAfterAccept: Math.min(...f.map((x) => x.ranAfterAccept)),
        gatedRanOnReturn: Math.min(...r.map((x) => x.ranOnReturn)),
        bannerOnReturn: r.filter((x) => x.bannerShown).length,
        loadedFirst: [...new Set(f.flatMap((x) => x.loaded))],
        loadedReturning: [...new Set(r.flatMap((x) => x.loaded))],
        consentPostStatuses: [...new Set(f.flatMap((x) => x.consentPosts))],
        pageErrors: [...new Set(all.flatMap((x) => x.errors))],
        externalRequests: [...new Set(all.flatMap((x) => x.external))],
      },
      runs: { first: f, returning: r },
    }
  })

  const report = {
    generatedAt: new Date().toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    environment: {
      browser: `chromium ${browserVersion} (/usr/bin/chromium, headless)`,
      chromiumArgs: args,
      cpuThrottlingRate: CPU_THROTTLING,
      runsRequested: RUNS,
      runsPerVariant: rounds,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadavg(),
      cpu: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
      node: process.version,
      site: SITE,
      sdkDistBuiltAt: statSync(join(sdkDist, 'miniconsent.js')).mtime.toISOString(),
      sdkDistFingerprint: distAtStart,
      sdkDistChangedDuringRun: distChanged,
      server: 'server/dist/main.js on a free 127.0.0.1 port with a temporary SQLite file: the config, the per-site script (fetched once) and the consent API (proxied, same origin); every manager\'s files static from the page server\'s memory',
    },
    method: {
      sizes: 'brotli quality 11 (node:zlib) of each file as shipped, summed per visit; MiniConsent files from sdk/dist/manifest.json',
      bannerPainted: 'ms from navigation start to the first frame in which the banner is rendered (checkVisibility with opacity, height > 0), timed by a message posted from that frame (after-frame); MutationObserver + requestAnimationFrame probe from addInitScript',
      mainThread: `CDP Tracing (playwright browser.startTracing; categories ${TRACE_CATEGORIES.join(', ')}) from before the navigation until ${QUIET_MS} ms after load and banner paint, on the page's renderer main thread, in thread (CPU) time, which the 4x throttling slows but other processes on the machine do not: per top-level task, the manager gets the thread time of compiling its scripts (v8.compile/compileModule) and parsing its stylesheets (ParseAuthorStyleSheet), and of the rest of the task the share of wall time covered by CPU-profiler samples whose innermost frame with a URL is one of its files (its JS, the DOM calls, forced style/layout and microtasks it runs). The frames the browser renders afterwards (the banner's style, layout, paint) are not attributable by URL: page main thread = thread time of every top-level task, for context. *WallMs: the same in wall time. Tracing is on in every measured visit, so every figure includes its overhead alike.`,
      cls: 'sum of layout-shift entries without recent input, until the click',
      click: 'from the click event timeStamp (capture listener) to the frame after it (after-frame) and to the first frame without the banner; Event Timing duration as a cross-check (8 ms granularity, reported only ≥ 16 ms)',
      cache: 'every run in a fresh browser context: empty HTTP cache; the returning visit has the stored choice (cookies, localStorage, IndexedDB) of an earlier Accept all',
    },
    sizes,
    results,
  }
  await writeFile(outFile, JSON.stringify(report, null, 2) + '\n')
  printReport(report)
  const failures = results.flatMap((r) => {
    const c = r.checks
    const problems = []
    if (c.gatedRanBeforeChoice) problems.push('a gated tag ran before the choice')
    if (c.gatedRanAfterAccept < GATED_COUNT) problems.push(`only ${c.gatedRanAfterAccept}/${GATED_COUNT} gated tags ran after Accept all`)
    if (c.gatedRanOnReturn < GATED_COUNT) problems.push(`only ${c.gatedRanOnReturn}/${GATED_COUNT} gated tags ran on the returning visit`)
    if (c.bannerOnReturn) problems.push(`banner shown on ${c.bannerOnReturn} returning visits`)
    if (c.externalRequests.length) problems.push(`requests off 127.0.0.1: ${c.externalRequests.join(', ')}`)
    return problems.map((p) => `${r.label}: ${p}`)
  })
  for (const f of failures) console.error(`bench: ${f}`)
  return failures.length ? 1 : 0
}

const fmt = (n, digits = 0) => (n == null ? '—' : n.toFixed(digits))
const ms = (s, digits = 0) => `${fmt(s.median, digits)} / ${fmt(s.p90, digits)}`

function table(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)))
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ')
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

function printReport(report) {
  const { sizes, results, environment } = report
  console.log(`\nSizes, brotli quality 11 (bytes)`)
  console.log(
    table(
      ['', 'JS', 'JS+CSS', 'issue said / budget', 'files'],
      sizes.map((s) => [
        s.label,
        s.js.brotli,
        s.css ? s.js.brotli + s.css.brotli : '',
        s.issue ? [s.issue.js && `JS ${s.issue.js}`, s.issue.jsCss && `JS+CSS ${s.issue.jsCss}`].filter(Boolean).join(', ') : s.budget ? `budget ${s.budget}` : '',
        [...s.js.files, ...(s.css?.files ?? [])].map((f) => f.path.replace(/^.*node_modules\//, '')).join(' + '),
      ]),
    ),
  )
  const runs = environment.runsPerVariant === environment.runsRequested ? `${environment.runsPerVariant} runs` : `ONLY ${environment.runsPerVariant} of ${environment.runsRequested} runs (time budget)`
  const load = (l) => l.map((x) => x.toFixed(1)).join(' ')
  console.log(`\n${environment.browser}, CPU ÷${environment.cpuThrottlingRate}, ${runs} each, load average ${load(environment.loadAverageAtStart)} → ${load(environment.loadAverageAtEnd)} on ${environment.cpu}; median / p90; ms, CLS unitless`)
  console.log(
    table(
      ['', 'banner painted', 'SDK main thread', 'CLS', 'Accept → next paint', 'Accept → banner gone', 'returning: SDK main thread', 'page main thread 1st / ret.'],
      results.map((r) => [
        r.label,
        ms(r.firstVisit.bannerPaintedMs),
        ms(r.firstVisit.sdkMainThreadMs, 1),
        ms(r.firstVisit.cls, 4),
        ms(r.firstVisit.acceptClickToNextPaintMs),
        ms(r.firstVisit.acceptClickToBannerGoneMs),
        ms(r.returningVisit.sdkMainThreadMs, 1),
        `${fmt(r.firstVisit.pageMainThreadMs.median)} / ${fmt(r.returningVisit.pageMainThreadMs.median)}`,
      ]),
    ),
  )
  console.log(
    'SDK main thread: thread (CPU) time, from a CDP trace of the visit: the manager\'s own JS (CPU-profiler samples by URL, incl. DOM calls\n' +
      'and forced layout) + compiling its scripts + parsing its CSS. Page main thread: thread time of all the page\'s main-thread tasks in\n' +
      'the same window (medians), which also holds the rendering the manager causes. Wall-time figures are in the JSON.',
  )
  for (const r of results) {
    const c = r.checks
    console.log(
      `${r.label}: gated tags before choice ${c.gatedRanBeforeChoice}, after Accept all ≥ ${c.gatedRanAfterAccept}/${GATED_COUNT}, returning ≥ ${c.gatedRanOnReturn}/${GATED_COUNT}; ` +
        `Event Timing click ${ms(r.firstVisit.acceptEventTimingMs)}; FCP ${fmt(r.firstVisit.fcpMs.median)}; page errors ${c.pageErrors.length}` +
        (c.consentPostStatuses.length ? `; consent POST ${c.consentPostStatuses.join(',')}` : ''),
    )
  }
  console.log(`\nwrote ${outFile.replace(repo + sep, '')} in ${report.durationS} s`)
}

let code = 1
try {
  code = await main()
} catch (e) {
  console.error('bench:', e instanceof Error ? e.stack : e)
} finally {
  await cleanup()
  clearTimeout(deadline)
}
process.exit(code)
