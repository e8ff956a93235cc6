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

/**
 * Resolves a URL path inside `root`, refusing anything that escapes it (`..`, encoded slashes,
 * NUL). Returns null when it is not a readable regular file.
 */
export async function readStatic(root: string, urlPath: string): Promise<StaticFile | null> {
  let rel: string
  try {
    rel = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (rel.includes('\0') || rel.includes('\\') || rel.split('/').some((seg) => seg === '..')) return null
  const base = resolve(root)
  const path = resolve(join(base, rel))
  if (path !== base && !path.startsWith(base + sep)) return null
  try {
    const info = await stat(path)
    if (!info.isFile()) return null
    const body = await readFile(path)
    const etag = `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"`
    return { path, body, etag, type: contentType(path) }
  } catch {
    return null
  }
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
