// Two bundles from one config: the synchronous core (classic IIFE script) and the lazily loaded
// UI chunk (ES module with Preact). Both are minified here, not by vite, so that one terser
// name cache mangles the `_`-prefixed internal fields identically in both files: the core hands
// objects with such fields to the UI chunk.
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { watch } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { minify } from 'terser'

const root = fileURLToPath(new URL('..', import.meta.url))
const dist = root + 'dist/'
const PLACEHOLDER = '"__MINICONSENT_CONFIG__"'

async function bundle(entry, format, fileName) {
  await build({
    root,
    configFile: root + 'vite.config.ts',
    logLevel: 'warn',
    build: {
      outDir: dist,
      emptyOutDir: false,
      copyPublicDir: false,
      lib: { entry: root + entry, formats: [format], name: 'miniconsent', fileName: () => fileName },
    },
  })
}

async function buildAll() {
  await rm(dist, { recursive: true, force: true })
  await mkdir(dist, { recursive: true })
  await bundle('src/browser/main.ts', 'iife', 'miniconsent.js')
  await bundle('src/lazy.ts', 'es', 'ui.js')

  const nameCache = {}
  for (const [file, module] of process.env.MC_NO_MINIFY ? [] : [['miniconsent.js', false], ['ui.js', true]]) {
    const code = await readFile(dist + file, 'utf8')
    const out = await minify(code, {
      module,
      ecma: 2021,
      nameCache,
      compress: { passes: 3, pure_getters: true, unsafe_arrows: true },
      // `_fbq` is Meta's global, not ours.
      mangle: { properties: { regex: /^_[^_]/, reserved: ['_fbq'] } },
      format: { comments: false },
    })
    await writeFile(dist + file, out.code)
  }

  // See EMBEDDED in src/browser/main.ts: the free global becomes the literal the server replaces.
  let core = await readFile(dist + 'miniconsent.js', 'utf8')
  const free = /(?<!["\w])__MINICONSENT_CONFIG__(?!["\w])/g
  const found = core.match(free)?.length ?? 0
  if (found !== 1) throw new Error(`dist/miniconsent.js must read __MINICONSENT_CONFIG__ exactly once, found ${found}`)
  core = core.replace(free, PLACEHOLDER)
  if (core.split(PLACEHOLDER).length !== 2) throw new Error(`dist/miniconsent.js must contain ${PLACEHOLDER} exactly once`)
  await writeFile(dist + 'miniconsent.js', core)
  await copyFile(root + 'src/miniconsent.d.ts', dist + 'miniconsent.d.ts')
}

await buildAll()
if (process.argv.includes('--watch')) {
  let timer
  watch(root + 'src', { recursive: true }, () => {
    clearTimeout(timer)
    timer = setTimeout(() => buildAll().then(() => console.log('rebuilt'), (e) => console.error(e)), 100)
  })
  console.log('watching src/')
}
