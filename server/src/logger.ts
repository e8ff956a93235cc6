// Structured logs: one JSON object per line on stdout (stderr for warnings and errors).
import type { LogLevel } from './env'

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
  /** Whether lines of this level are written: lets callers skip building what would be dropped. */
  enabled(level: Exclude<LogLevel, 'silent'>): boolean
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

export function createLogger(level: LogLevel, write?: (line: string, level: LogLevel) => void): Logger {
  const out =
    write ?? ((line: string, l: LogLevel) => (RANK[l] >= RANK.warn ? process.stderr : process.stdout).write(line + '\n'))
  const log = (l: Exclude<LogLevel, 'silent'>) => (msg: string, fields?: Record<string, unknown>) => {
    if (RANK[l] < RANK[level]) return
    const err = fields?.err
    const extra = err instanceof Error ? { ...fields, err: { name: err.name, message: err.message, stack: err.stack } } : fields
    out(JSON.stringify({ time: new Date().toISOString(), level: l, msg, ...extra }), l)
  }
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), enabled: (l) => RANK[l] >= RANK[level] }
}

export const silentLogger: Logger = createLogger('silent')
