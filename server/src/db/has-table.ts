// A question several readers of older databases ask (a table a later migration adds may be missing).
import type Database from 'better-sqlite3'

/** Whether the database `client` reads has a table named `name`. */
export const hasTable = (client: Database.Database, name: string): boolean =>
  !!client.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name)
