// The SDK's files, flat in dist/ (the server serves each as /sdk/<file>, and as /sdk/v/<build>/<file>,
// where a per-site script loads its chunks from; stable names, no hashes):
// - miniconsent.js: the synchronous core, a classic script (IIFE);
// - ES module chunks the core loads on demand with import(), relative to its own URL.
// Each file is its own bundle, so nothing is split into chunks nobody asked for. Preact lives in
// banner.js only: the UI chunks loaded after it import Preact (and the banner's buttons) from it.
// Minified here, not by vite, so that one terser name cache mangles the `_`-prefixed internal
// fields identically in every file: the core hands objects with such fields to the chunks.
// dist/manifest.json tells scripts/size.mjs (and the e2e tests) which files each kind of visit loads.
// A build writes into a directory of its own beside dist/ and swaps it in once complete (see
// swapIn): rewritten in place, dist/ let a server send a half-built core for a moment
// ("__MINICONSENT_CONFIG__ is not defined"). A failed build leaves dist/ as it was.
import { createHash } from 'node:crypto'
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { readdirSync, watch } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { minify } from 'terser'

const root = fileURLToPath(new URL('..', import.meta.url))
const DIST = root + 'dist'
const PLACEHOLDER = '"__MINICONSENT_CONFIG__"'

/**
 * Every file, in minification order (core first). `when` says what makes the core, or the banner
 * chunk, load it. `firstVisit`: loaded by a first (English) visit to show the banner; `click`:
 * loaded once the visitor touches the banner, to record the choice.
 */
const FILES = [
  { file: 'miniconsent.js', entry: 'src/browser/main.ts', format: 'iife', when: 'every page view' },
  { file: 'banner.js', entry: 'src/chunks/banner.tsx', firstVisit: true, when: 'a banner to show; any other UI' },
  { file: 'record.js', entry: 'src/chunks/record.ts', click: true, when: 'a touch or focus on the banner; a choice through the API or GPC' },
  { file: 'dialog.js', entry: 'src/chunks/dialog.tsx', shared: true, when: 'preferences, open(), a declaration near the viewport' },
  { file: 'placeholder.js', entry: 'src/chunks/placeholder.tsx', shared: true, when: 'a blocked iframe' },
  { file: 'cleanup.js', entry: 'src/chunks/cleanup.ts', when: 'a choice that denies something' },
  { file: 'store.js', entry: 'src/chunks/store.ts', when: 'a failed POST, undelivered records, no embedded config' },
  // One chunk per table in src/chunks/lang (LANGUAGES in src/core/language.ts names the same; a test holds them together).
  ...readdirSync(new URL('../src/chunks/lang', import.meta.url))
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => f.slice(0, -3))
    .map((lang) => ({ file: `lang-${lang}.js`, entry: `src/chunks/lang/${lang}.ts`, when: `built-in texts for ${lang} visitors` })),
]

/** In chunks loaded after banner.js, these resolve to it instead of being bundled again (ui/Banner as resolved, with its extension). */
const fromBanner = (id) => id === 'preact' || /[\\/]ui[\\/]Banner\.tsx$/.test(id)

async function bundle(out, { file, entry, format = 'es', shared }) {
  await build({
    root,
    configFile: root + 'vite.config.ts',
    logLevel: 'warn',
    build: {
      outDir: out,
      emptyOutDir: false,
      copyPublicDir: false,
      lib: { entry: root + entry, formats: [format], name: 'miniconsent', fileName: () => file },
      rolldownOptions: shared ? { external: fromBanner, output: { paths: (id) => (fromBanner(id) ? './banner.js' : id) } } : {},
    },
  })
}

/** Static imports of a built ES chunk (`import … from "./x.js"`). */
const staticImports = (code) => [...code.matchAll(/import\s*(?:[\w*{}\s,$]+from\s*)?["']\.\/([\w.-]+)["']/g)].map((m) => m[1])

/**
 * The short names of the internal fields, from one fixed alphabet. Terser's default orders its
 * letters by their frequency in the file being minified, the core first: any change to the core
 * then renamed the fields in every chunk and moved the banner's brotli size by 30-40 bytes, on
 * budgets with a few bytes to spare.
 */
const ALPHABET = 'etnaoisrlcdupfhmgvbywkxjqzETNAOISRLCDUPFHMGVBYWKXJQZ'
const FIELD_NAMES = {
  get(n) {
    let name = ''
    for (; n >= 0; n = Math.floor(n / ALPHABET.length) - 1) name += ALPHABET[n % ALPHABET.length]
    return name
  },
}

/** Builds into a new directory beside dist/, then swaps it in; on failure, removes it and throws. */
async function buildAll() {
  const out = `${DIST}.tmp-${process.pid}/`
  await rm(out, { recursive: true, force: true })
  try {
    await mkdir(out)
    await buildInto(out)
    await swapIn(out)
  } catch (e) {
    await rm(out, { recursive: true, force: true })
    throw e
  }
}

/**
 * Puts the complete build `out` in dist/'s place: the old dist/ renamed aside, `out` renamed to
 * dist/, the old one removed. A reader finds each file of the old build or of the new one, whole
 * (for a moment between the two renames, no dist/ at all: a miss, never a half-written file). If
 * `out` cannot take its place, the old dist/ is put back.
 */
async function swapIn(out) {
  const old = `${DIST}.old-${process.pid}`
  await rm(old, { recursive: true, force: true })
  let hadDist = true
  await rename(DIST, old).catch((e) => {
    if (e.code !== 'ENOENT') throw e
    hadDist = false
  })
  try {
    await rename(out, DIST)
  } catch (e) {
    if (hadDist) await rename(old, DIST)
    throw e
  }
  await rm(old, { recursive: true, force: true })
}

/** Every file, the manifest last, into the empty directory `out`. */
async function buildInto(out) {
  for (const f of FILES) await bundle(out, f)

  const nameCache = {}
  const imports = {}
  for (const { file, format } of FILES) {
    let code = await readFile(out + file, 'utf8')
    if (!process.env.MC_NO_MINIFY) {
      const out = await minify(code, {
        module: format !== 'iife',
        ecma: 2021,
        nameCache,
        // hoist_vars: one `let`/`var` list per function instead of one per block (~30 B brotli
        // over the core and the banner).
        compress: { passes: 3, pure_getters: true, unsafe_arrows: true, hoist_vars: true },
        // `_fbq` is Meta's global, not ours. `__`-prefixed: Preact's internal fields (vnode.__k,
        // component.__v, options.__b…), which only banner.js touches (the chunks loaded after it
        // use its exports, never the fields): one letter instead of three (~17 B brotli on the
        // banner); `__html` is dangerouslySetInnerHTML's, a public name.
        mangle: { properties: { regex: /^__?[^_]/, reserved: ['_fbq', '__html'], nth_identifier: FIELD_NAMES } },
        format: { comments: false },
      })
      code = out.code
    }
    imports[file] = staticImports(code)
    await writeFile(out + file, code)
  }

  // See EMBEDDED in src/browser/main.ts: the free global becomes the literal the server replaces.
  let core = await readFile(out + 'miniconsent.js', 'utf8')
  const free = /(?<!["\w])__MINICONSENT_CONFIG__(?!["\w])/g
  const found = core.match(free)?.length ?? 0
  if (found !== 1) throw new Error(`dist/miniconsent.js must read __MINICONSENT_CONFIG__ exactly once, found ${found}`)
  core = core.replace(free, PLACEHOLDER)
  if (core.split(PLACEHOLDER).length !== 2) throw new Error(`dist/miniconsent.js must contain ${PLACEHOLDER} exactly once`)
  await writeFile(out + 'miniconsent.js', core)
  // Where the core names a chunk's URL (`new URL(name + '.js', base)` in src/browser/main.ts): a
  // server versions it there in a per-site script, so that a core kept by a cache past a deploy
  // still loads its own build's chunks (see `build` below). Recorded rather than written into the
  // core, which stays as it was: byte for byte what the budgets weigh, and any copy of dist/ works.
  const chunkUrls = [...core.matchAll(/new URL\(([\w$]+)\+"\.js",[\w$]+\)/g)]
  if (chunkUrls.length !== 1) throw new Error(`dist/miniconsent.js must name a chunk's URL as new URL(name + '.js', base) exactly once, found ${chunkUrls.length}`)
  const chunkNameAt = chunkUrls[0].index + 'new URL('.length
  await copyFile(root + 'src/miniconsent.d.ts', out + 'miniconsent.d.ts')

  // A file and everything it imports statically: what the browser fetches before running it.
  const closure = (files, seen = new Set()) => {
    for (const f of files) if (!seen.has(f)) seen.add(f), closure(imports[f] ?? [], seen)
    return [...seen]
  }
  // The build's id: of every file's bytes, so that a change in any chunk makes another directory;
  // and each file's own hash, which the server checks before it calls what it sends immutable.
  const build = createHash('sha256')
  const hashes = {}
  for (const { file } of FILES) {
    const bytes = await readFile(out + file)
    build.update(file).update(bytes)
    hashes[file] = createHash('sha256').update(bytes).digest('hex')
  }
  const manifest = {
    build: build.digest('hex').slice(0, 16),
    /** The offset (UTF-16 code units) in miniconsent.js where its chunk URL's name begins: a server puts "v/<build>/"+ there. */
    chunkNameAt,
    returningVisit: ['miniconsent.js'],
    firstVisit: closure(['miniconsent.js', ...FILES.filter((f) => f.firstVisit).map((f) => f.file)]),
    firstVisitAndClick: closure(['miniconsent.js', ...FILES.filter((f) => f.firstVisit || f.click).map((f) => f.file)]),
    files: Object.fromEntries(FILES.map(({ file, when }) => [file, { when, imports: imports[file], sha256: hashes[file] }])),
  }
  for (const [file, { imports: deps }] of Object.entries(manifest.files))
    for (const dep of deps) if (!manifest.files[dep]) throw new Error(`dist/${file} imports ./${dep}, which the build does not write`)
  await writeFile(out + 'manifest.json', JSON.stringify(manifest, null, 2) + '\n')
}

await buildAll()
if (process.argv.includes('--watch')) {
  let timer
  // One build at a time: two at once would share this process's temporary directory.
  let last = Promise.resolve()
  watch(root + 'src', { recursive: true }, () => {
    clearTimeout(timer)
    timer = setTimeout(() => (last = last.then(buildAll).then(() => console.log('rebuilt'), (e) => console.error(e))), 100)
  })
  console.log('watching src/')
}
