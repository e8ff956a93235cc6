// A small static file server: the SDK build, the dashboard build and the demo pages are a
// handful of files, served from directories located at start-up.
import { createHash } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { extname, join, resolve, sep } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
}

export const contentType = (path: string) => TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream'

export interface StaticFile {
  path: string
  body: Buffer
  etag: string
  type: string
}

/** How long a file read from disk is served from memory before it is statted again. */
const RECHECK_MS = 1_000
/** Files kept, and misses: a miss can be any path a client names, so they are bounded too. */
const KEPT_PATHS_MAX = 2_048
/** URL paths longer than this are resolved each time rather than remembered. */
const MAX_REMEMBERED_PATH = 256

interface Kept {
  /** When the file's stat was last taken (`now()`). */
  checkedAt: number
  /** Inode, ctime, mtime and size of what `file` was read from; null for a miss. */
  version: string | null
  file: StaticFile | null
}

/**
 * The SDK build, the dashboard build and the demo pages, read from disk once and served from
 * memory. Reading, hashing (for the ETag) and statting a file on every request cost the SDK's
 * per-site script ~140 µs of server CPU per request and its banner chunk ~260, against ~26 for the
 * config fetch. A file is checked again (one stat) at most once a second, so a rebuild or a
 * deploy is served within a second, without a restart.
 */
export class StaticFiles {
  private readonly kept = new Map<string, Kept>()
  /** The file each URL path names (resolving took ~4 µs of the per-site script's ~45): only strings, and short ones. */
  private readonly resolved = new Map<string, string | null>()

  constructor(private readonly now: () => number = Date.now) {}

  private resolve(root: string, urlPath: string): string | null {
    if (urlPath.length > MAX_REMEMBERED_PATH) return resolveInside(root, urlPath)
    const key = `${root}\0${urlPath}`
    let path = this.resolved.get(key)
    if (path === undefined) {
      if (this.resolved.size >= KEPT_PATHS_MAX) this.resolved.clear()
      this.resolved.set(key, (path = resolveInside(root, urlPath)))
    }
    return path
  }

  /**
   * Resolves a URL path inside `root`, refusing anything that escapes it (`..`, encoded slashes,
   * NUL). Null when it is not a readable regular file.
   */
  async read(root: string, urlPath: string): Promise<StaticFile | null> {
    // Kept by the file a path names, not by its spelling: `//assets/x.js`, `/assets%2Fx.js` and
    // `/assets/x.js` are one file, kept once (each spelling kept its own copy of the bytes).
    const path = this.resolve(root, urlPath)
    if (path === null) return null
    const now = this.now()
    const kept = this.kept.get(path)
    if (kept && now - kept.checkedAt < RECHECK_MS && now >= kept.checkedAt) return kept.file
    let next: Kept
    try {
      const info = await stat(path)
      if (!info.isFile()) next = { checkedAt: now, version: null, file: null }
      else {
        // The inode and ctime too: a deploy that keeps mtimes (a tarball, `cp -p`, reproducible
        // builds) and sizes (index.html with hashed names of a fixed length) still changes them.
        const version = `${info.ino}:${info.ctimeMs}:${info.mtimeMs}:${info.size}`
        if (kept?.version === version) next = { ...kept, checkedAt: now }
        else {
          const body = await readFile(path)
          const etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"`
          next = { checkedAt: now, version, file: { path, body, etag, type: contentType(path) } }
        }
      }
    } catch {
      next = { checkedAt: now, version: null, file: null }
    }
    if (!kept && this.kept.size >= KEPT_PATHS_MAX) this.kept.clear()
    this.kept.set(path, next)
    return next.file
  }
}

/** The file a URL path names inside `root`, or null when it would escape it (`..`, NUL, a backslash, a bad escape). */
function resolveInside(root: string, urlPath: string): string | null {
  let rel: string
  try {
    rel = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (rel.includes('\0') || rel.includes('\\') || rel.split('/').some((seg) => seg === '..')) return null
  const base = resolve(root)
  const path = resolve(join(base, rel))
  return path === base || path.startsWith(base + sep) ? path : null
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory()
  } catch {
    return false
  }
}

/** True when an `If-None-Match` header matches the ETag (weak comparison, as for GET). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false
  const bare = etag.replace(/^W\//, '')
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim()
    return tag === '*' || tag.replace(/^W\//, '') === bare
  })
}
