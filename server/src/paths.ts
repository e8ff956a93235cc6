// Where the server finds its own files and the other packages' builds, from any working directory
// and both from `src/` (tsx, vitest) and from the bundled `dist/`.
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

function findUp(start: string, found: (dir: string) => boolean): string | null {
  let dir = start
  for (;;) {
    if (found(dir)) return dir
    const parent = dirname(dir)
    if (parent === dir) return null
    dir = parent
  }
}

const here = dirname(fileURLToPath(import.meta.url))

/** The `server/` package directory. */
export const serverDir =
  findUp(here, (d) => {
    const pkg = join(d, 'package.json')
    return existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === '@miniconsent/server'
  }) ?? join(here, '..')

/** The workspace root: the directory holding pnpm-workspace.yaml above the server package. */
export const repoRoot = findUp(serverDir, (d) => existsSync(join(d, 'pnpm-workspace.yaml'))) ?? serverDir

export const migrationsDir = join(serverDir, 'drizzle')
export const demoDir = join(serverDir, 'demo')
export const defaultDatabasePath = join(repoRoot, 'data', 'miniconsent.sqlite')

function packageDist(name: string): string {
  const require = createRequire(import.meta.url)
  try {
    return join(dirname(require.resolve(`${name}/package.json`)), 'dist')
  } catch {
    // Not linked (e.g. a partial install): fall back to the workspace layout.
    return join(repoRoot, name.replace('@miniconsent/', ''), 'dist')
  }
}

export const sdkDistDir = () => packageDist('@miniconsent/sdk')
export const dashboardDistDir = () => packageDist('@miniconsent/dashboard')
