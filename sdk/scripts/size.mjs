// Raw and brotli (quality 11) sizes of the built files; `--check` fails the run over budget.
// Which files each kind of visit loads comes from dist/manifest.json, written by the build from
// its list of files and their static imports, and checked against a real browser by
// e2e/tests/sdk-first-visit.spec.ts.
// The files are measured as built, with the config placeholder still in place: the config the
// server splices in differs per site, so it is not part of the SDK's own budget.
import { readdir, readFile } from 'node:fs/promises'
import { brotliCompressSync, constants } from 'node:zlib'
import { fileURLToPath } from 'node:url'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))
const BUDGETS = {
  // A visitor with a valid stored choice: the core script alone.
  returningVisit: 3000,
  // A first visit that shows the banner (English, CSS included).
  firstVisit: 9000,
}

const brotli = (buf) => brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length

let files, manifest
try {
  files = (await readdir(dist)).filter((f) => /\.(js|css)$/.test(f)).sort()
  manifest = JSON.parse(await readFile(dist + 'manifest.json', 'utf8'))
} catch {
  console.error('size: no dist/ or dist/manifest.json — run `pnpm build` first')
  process.exit(1)
}
const sizes = {}
for (const f of files) {
  const buf = await readFile(dist + f)
  sizes[f] = brotli(buf)
  const when = manifest.files[f]?.when ?? ''
  console.log(`${f.padEnd(16)} ${String(buf.length).padStart(7)} B raw ${String(sizes[f]).padStart(6)} B brotli  ${when}`)
}

let failed = false
const total = (list) => list.reduce((sum, f) => sum + (sizes[f] ?? 0), 0)
for (const [visit, budget] of Object.entries(BUDGETS)) {
  const list = manifest[visit]
  const missing = list.filter((f) => sizes[f] === undefined)
  const sum = total(list)
  console.log(`${visit}: ${list.join(' + ')} = ${sum} / ${budget} B brotli`)
  if (missing.length) {
    console.error(`size: ${visit} lists ${missing.join(', ')}, missing from dist/`)
    failed = true
  } else if (sum > budget) {
    console.error(`size: ${visit} (${list.join(' + ')}) is ${sum} B brotli, over its budget of ${budget} B`)
    failed = true
  }
}
const click = manifest.firstVisitAndClick
console.log(`firstVisitAndClick (no budget): ${click.join(' + ')} = ${total(click)} B brotli`)

if (process.argv.includes('--check')) process.exit(failed ? 1 : 0)
