// The consentIds linked to one of a site's user IDs (ConsentSubjects.findByUser): read on the
// server's own connection (tests, an in-memory database) or in a thread with a read-only connection
// of its own (subjects-worker.ts). Imports nothing of the server's, so that such a thread starts in
// a fraction of the time.
import type { LinkedConsentId, SubjectUser } from '@miniconsent/shared'
import type Database from 'better-sqlite3'

/** The parameters of the statement of links. */
interface LinkedQuery {
  siteId: string
  userId: string
  cap: number
}

type LinkedRow = Omit<LinkedConsentId, 'records'> & { total: number }

/**
 * One statement: the links of both kinds, grouped by consentId, sorted and cut to the cap, with the
 * count of every group (the window runs before the LIMIT). Read through the indexes by user ID
 * (consent_identities_site_user, document_acceptances_site_user), never the site's whole log. For a
 * user ID a million visitors share (a site calling identify('undefined')), grouping and sorting
 * them in JavaScript took 5.3–5.9 s and 784 MB; this, 1.8 s and 218 MB (measured). Such a user ID is
 * a site's bug, which the look-up then shows (`total`).
 */
const LINKED = `SELECT consent_id AS consentId, sum(identity) AS identities, sum(document) AS documents,
       min(server_time) AS firstLinked, max(server_time) AS lastLinked, count(*) OVER () AS total
  FROM (SELECT consent_id, 1 AS identity, 0 AS document, server_time FROM "consent_identities" WHERE site_id = @siteId AND user_id = @userId
        UNION ALL
        SELECT consent_id, 0, 1, server_time FROM "document_acceptances" WHERE site_id = @siteId AND user_id = @userId)
 GROUP BY consent_id
 -- ISO times in UTC as the server wrote them: their text sorts as their time.
 ORDER BY lastLinked DESC, consentId
 LIMIT @cap`

/** Each connection's two statements, prepared at its first look-up. */
const prepared = new WeakMap<Database.Database, { linked: Database.Statement<[LinkedQuery], LinkedRow>; records: Database.Statement<[string, string], { n: number }> }>()

/**
 * The consentIds linked to `userId` on the site, last linked first, each with how many consent
 * records are stored under it (counted through consent_records_site_consent). At most `cap` are
 * counted and listed; `total` says how many there are.
 */
export function linkedConsentIds(conn: Database.Database, siteId: string, userId: string, cap: number): SubjectUser {
  let statements = prepared.get(conn)
  if (!statements) {
    statements = {
      linked: conn.prepare<[LinkedQuery], LinkedRow>(LINKED),
      records: conn.prepare<[string, string], { n: number }>('SELECT count(*) AS n FROM consent_records WHERE site_id = ? AND consent_id = ?'),
    }
    prepared.set(conn, statements)
  }
  const { linked, records } = statements
  const rows = linked.all({ siteId, userId, cap })
  const consentIds = rows.map(({ total: _, ...link }) => ({ ...link, records: records.get(siteId, link.consentId)!.n }))
  return { userId, consentIds, total: rows[0]?.total ?? 0 }
}
