// Raw and brotli (quality 11) sizes of the built files; `--check` fails the run over budget.
// The files are measured as built, with the config placeholder still in place: the config the
// server splices in differs per site, so it is not part of the SDK's own budget.
import { readdir, readFile } from 'node:fs/promises'
import { brotliCompressSync, constants } from 'node:zlib'
import { fileURLToPath } from 'node:url'

const dist = fileURLToPath(new URL('../dist/', import.meta.url))
const RETURNING_VISIT = 3000 // miniconsent.js alone: a visitor with a valid stored choice
const FIRST_VISIT = 9000 // miniconsent.js + ui.js (+ css): the banner is shown

const brotli = (buf) => brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length

let files
try {
  files = (await readdir(dist)).filter((f) => /\.(js|css)$/.test(f)).sort()
} catch {
  console.error('size: no dist/ — run `pnpm build` first')
  process.exit(1)
}
const sizes = {}
for (const f of files) {
  const buf = await readFile(dist + f)
  sizes[f] = brotli(buf)
  console.log(`${f.padEnd(18)} ${String(buf.length).padStart(7)} B raw ${String(sizes[f]).padStart(6)} B brotli`)
}
const core = sizes['miniconsent.js'] ?? 0
const first = core + (sizes['ui.js'] ?? 0) + (sizes['ui.css'] ?? 0)
console.log(`returning visit ${core} / ${RETURNING_VISIT} B, first visit ${first} / ${FIRST_VISIT} B (brotli)`)

if (process.argv.includes('--check')) {
  let failed = false
  if (!sizes['miniconsent.js'] || !sizes['ui.js']) {
    console.error('size: dist/miniconsent.js or dist/ui.js is missing')
    failed = true
  }
  if (core > RETURNING_VISIT) {
    console.error(`size: miniconsent.js is ${core} B brotli, over the returning-visit budget of ${RETURNING_VISIT} B`)
    failed = true
  }
  if (first > FIRST_VISIT) {
    console.error(`size: miniconsent.js + ui.js${sizes['ui.css'] ? ' + ui.css' : ''} are ${first} B brotli, over the first-visit budget of ${FIRST_VISIT} B`)
    failed = true
  }
  process.exit(failed ? 1 : 0)
}
