// The auditor's side of an export: downloads one file and counts its lines, in a process of its
// own. Run inside the bench's process, the download cost ~2 s of CPU per 1M-record CSV (its
// collector, sweeping a heap the size of everything the bench has loaded, ran at each ~64 MB of
// received chunks) where this small process costs ~0.4 s, and both share the server's two cores.
// Prints one JSON line: { status, exportId, lines, bytes, ms (request to last byte), cpuMs }.
import { get } from 'node:http'

const [url] = process.argv.slice(2)
const cpu0 = process.cpuUsage()
const t0 = performance.now()
get(url, { headers: { cookie: process.env.BENCH_COOKIE ?? '' } }, (res) => {
  let lines = 0
  let bytes = 0
  res.on('data', (chunk) => {
    bytes += chunk.length
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1
  })
  res.on('end', () => {
    const ms = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    const exportId = res.headers['x-export-id'] ?? null
    process.stdout.write(JSON.stringify({ status: res.statusCode, exportId, lines, bytes, ms, cpuMs: (cpu.user + cpu.system) / 1000 }) + '\n')
  })
}).on('error', (e) => {
  process.stderr.write(`download: ${e.message}\n`)
  process.exit(1)
})
