// Published revisions: immutable snapshots of the draft. Publishing and rolling back only ever
// add a row; the live revision is the one with the highest number.
import { catalogue as catalogueSchema, type Catalogue, type CatalogueDiff, type RevisionDetail, type RevisionSummary } from '@miniconsent/shared'
import { and, desc, eq, gte, lte, sql } from 'drizzle-orm'
import { writeTransaction, type Db } from '../db/client'
import { revisions, users } from '../db/schema'
import { canonicalJson } from '../lib/canonical-json'
import { ApiError, invalidError } from '../lib/errors'
import { sha256 } from './accounts'
import type { AuditLog } from './audit'
import { contentHash, parseStoredCatalogue, type Catalogues } from './catalogue'
import { DEFAULT_LANGUAGE, diffCatalogues, itemChanges, itemVersions, shownIn, verdictBasis, type ConsentChange, type DiffResult, type ItemVersion } from './diff'
import type { SiteDirectory } from './sites'

export interface RevisionDeps {
  db: Db
  now: () => number
  audit: AuditLog
  sites: SiteDirectory
  catalogues: Catalogues
}

type RevisionRow = Omit<typeof revisions.$inferSelect, 'verdictOverridden'> & { email: string | null }

const summary = (r: RevisionRow): RevisionSummary => ({
  number: r.number,
  contentHash: r.contentHash,
  needsConsent: r.needsConsent,
  publishedAt: r.publishedAt.toISOString(),
  publishedBy: r.email,
  note: r.note,
})

/** What a revision lets a consent record say: its categories (each with whether it is required) and its services. */
export interface RevisionChoices {
  categories: ReadonlyMap<string, boolean>
  services: ReadonlySet<string>
}

/** Revisions whose choices are kept, ingestion's hot lookups; a revision never changes, so they need no expiry. */
const CHOICES_KEPT = 4096

/**
 * Revisions whose verdict basis and items are kept (Revisions.verdictOf): a hash and, per item, a
 * reference to its version, shared with every other revision holding it. A walk covers the
 * revisions since the one that asked, seldom more than a few hundred.
 */
const VERDICTS_KEPT = 5_000
/** Item versions kept (ItemComparisons), an item each, and comparisons of two, a few changes each. */
const ITEM_VERSIONS_KEPT = 20_000
const COMPARISONS_KEPT = 100_000

export class Revisions {
  private readonly choicesKept = new Map<string, RevisionChoices>()
  private readonly verdictKept = new Map<string, { basis: string; items: Map<string, ItemVersion> }>()
  private readonly comparisons = new ItemComparisons()

  constructor(private readonly d: RevisionDeps) {}

  /**
   * A published revision as the verdict reads it, kept: a revision never changes, so a publish
   * after hundreds of others reads and parses only what is new. `basis`: its verdict basis
   * (diff.ts verdictBasis, hashed); `items`: its items' versions (ItemComparisons).
   */
  private verdictOf(siteId: string, number: number): { basis: string; items: Map<string, ItemVersion> } {
    const key = `${siteId}\n${number}`
    const kept = this.verdictKept.get(key)
    if (kept !== undefined) return kept
    const catalogue = this.get(siteId, number).catalogue
    const verdict = { basis: sha256(verdictBasis(catalogue)), items: this.comparisons.itemsOf(catalogue) }
    if (this.verdictKept.size >= VERDICTS_KEPT) this.verdictKept.clear()
    this.verdictKept.set(key, verdict)
    return verdict
  }

  /** The categories and services of a published revision, null when the site has no such revision. */
  choices(siteId: string, number: number): RevisionChoices | null {
    const key = `${siteId}\n${number}`
    const kept = this.choicesKept.get(key)
    if (kept) return kept
    const row = this.d.db
      .select({ catalogue: revisions.catalogue })
      .from(revisions)
      .where(and(eq(revisions.siteId, siteId), eq(revisions.number, number)))
      .get()
    // A miss is not kept: the revision may be published a moment later.
    if (!row) return null
    const c = parseStoredCatalogue(row.catalogue)
    const choices = { categories: new Map(c.categories.map((x) => [x.id, x.required])), services: new Set(c.services.map((x) => x.id)) }
    if (this.choicesKept.size >= CHOICES_KEPT) this.choicesKept.clear()
    this.choicesKept.set(key, choices)
    return choices
  }

  private select() {
    return this.d.db
      .select({
        id: revisions.id,
        siteId: revisions.siteId,
        number: revisions.number,
        catalogue: revisions.catalogue,
        contentHash: revisions.contentHash,
        needsConsent: revisions.needsConsent,
        publishedAt: revisions.publishedAt,
        publishedBy: revisions.publishedBy,
        note: revisions.note,
        email: users.email,
      })
      .from(revisions)
      .leftJoin(users, eq(users.id, revisions.publishedBy))
  }

  list(siteId: string): RevisionSummary[] {
    return this.select().where(eq(revisions.siteId, siteId)).orderBy(desc(revisions.number)).all().map(summary)
  }

  get(siteId: string, number: number): RevisionDetail {
    const row = this.select()
      .where(and(eq(revisions.siteId, siteId), eq(revisions.number, number)))
      .get()
    if (!row) throw new ApiError(404, 'revision_not_found', `Site "${siteId}" has no revision ${number}`)
    return { ...summary(row), catalogue: parseStoredCatalogue(row.catalogue) }
  }

  /** `from` defaults to the live revision, `to` to the draft. */
  diff(siteId: string, from: number | undefined, to: number | 'draft'): CatalogueDiff {
    const live = this.d.catalogues.liveRow(siteId)
    const fromNumber = from ?? live?.number ?? null
    const before = from === undefined || from === live?.number ? (live ? parseStoredCatalogue(live.catalogue) : null) : this.get(siteId, from).catalogue
    const after = to === 'draft' ? this.d.catalogues.draft(siteId) : this.get(siteId, to).catalogue
    // From the live revision, the verdict publishing (or rolling back) would give; between two others, theirs alone.
    const verdict =
      fromNumber !== null && fromNumber === live?.number ? this.verdict(siteId, fromNumber, before, after) : diffCatalogues(before, after, this.defaultLanguage(siteId))
    return { from: fromNumber, to, ...verdict, toHash: contentHash(after) }
  }

  /** The site's default language, which visitors read past their own (the verdict of a text removed follows it: diff.ts removedVerdict). */
  private defaultLanguage(siteId: string): string {
    return this.d.sites.get(siteId)?.settings.defaultLanguage ?? DEFAULT_LANGUAGE
  }

  /**
   * Whether `next`, published after the live revision `liveNumber`, needs consent: judged against
   * the live catalogue (its changes are what the diff lists) and against every earlier revision a
   * visitor's stored choice may still date from, back to the newest that asked for consent (the
   * config's consentRevision). A choice stays valid through revisions that did not ask, so changes
   * forgiven one publish at a time (a typo fix after a typo fix, a text removed and another
   * written in its place) are judged together: a reason found only against an earlier revision
   * names it. A revision whose publisher overrode a verdict that asked forgives, in what is older
   * than it, only the changes its publisher was shown (overridden), not everything before it:
   * what changed since is judged from it, like any revision of the walk.
   */
  private verdict(siteId: string, liveNumber: number | null, live: Catalogue | null, next: Catalogue): DiffResult {
    const siteDefault = this.defaultLanguage(siteId)
    const pair = diffCatalogues(live, next, siteDefault)
    if (liveNumber === null || !live) return pair
    const asked = sql`(SELECT max(number) FROM ${revisions} WHERE ${revisions.siteId} = ${siteId} AND ${revisions.needsConsent} = 1)`
    const walked = this.d.db
      .select({ number: revisions.number, overridden: revisions.verdictOverridden })
      .from(revisions)
      .where(and(eq(revisions.siteId, siteId), lte(revisions.number, liveNumber), gte(revisions.number, asked)))
      .orderBy(desc(revisions.number))
      .all()
    const reasons = [...pair.reasons]
    const liveBasis = sha256(verdictBasis(live))
    // Revisions that differ only in names, texts or appearance (most of them) get one verdict.
    const judged = new Set([liveBasis])
    const nextItems = this.comparisons.itemsOf(next)
    // What the overridden revisions newer than the one judged let in; the walk goes back in time.
    const letIn = new LetIn(this.comparisons, siteDefault)
    for (const r of walked) {
      const { basis, items } = r.number === liveNumber ? { basis: liveBasis, items: this.comparisons.itemsOf(live) } : this.verdictOf(siteId, r.number)
      if (r.number < liveNumber && !judged.has(basis)) {
        judged.add(basis)
        // Item by item, as diffCatalogues(revision r, next) would list them.
        for (const [item, after] of nextItems) {
          const before = items.get(item)
          if (before === after) continue
          for (const c of this.comparisons.changes(before, after, siteDefault)) {
            if (pair.reasons.includes(c.reason) || letIn.has(before, c)) continue
            reasons.push(`${c.reason}, since revision ${r.number} (visitors' choices may date from it)`)
          }
        }
      }
      if (r.overridden) letIn.add(basis, items)
    }
    return { changes: pair.changes, needsConsent: reasons.length > 0, reasons: [...new Set(reasons)] }
  }

  /**
   * The draft as a new revision. `draftHash`: the draft as reviewed; `liveRevision`: the live
   * revision it was reviewed against (null: none). Each is refused (409) when it no longer holds:
   * an override (`needsConsent`) judged one draft against one live revision, and the same draft
   * published over another can add what nobody was asked about.
   */
  publish(
    siteId: string,
    userId: number,
    input: { needsConsent?: boolean | undefined; note?: string | undefined; draftHash?: string | undefined; liveRevision?: number | null | undefined },
  ): RevisionSummary {
    return this.append(siteId, userId, this.d.catalogues.draft(siteId), {
      action: 'catalogue.publish',
      needsConsent: input.needsConsent,
      note: input.note || null,
      reviewedHash: input.draftHash,
      seenLive: input.liveRevision === undefined ? undefined : { number: input.liveRevision, review: 'the changes' },
    })
  }

  /**
   * A new revision with an old one's catalogue; the draft is reset to it. `liveRevision`: the live
   * revision the admin compared it with (and decided `needsConsent` on); refused (409
   * `live_changed`) when another was published since.
   */
  rollback(
    siteId: string,
    userId: number,
    input: { revision: number; needsConsent?: boolean | undefined; liveRevision?: number | undefined; draftHash?: string | undefined },
  ): RevisionSummary {
    const target = this.get(siteId, input.revision).catalogue
    return this.append(siteId, userId, target, {
      action: 'catalogue.rollback',
      needsConsent: input.needsConsent,
      note: `Rollback to revision ${input.revision}`,
      resetDraft: { seenHash: input.draftHash },
      seenLive: input.liveRevision === undefined ? undefined : { number: input.liveRevision, review: 'the rollback' },
    })
  }

  /**
   * Inside a rollback's transaction: checks that replacing the draft loses nothing the admin has
   * not seen. `keeps`: the hashes of the live catalogue and of the one rolled back to, which lose
   * nothing. Returns the hash of the draft when it held other changes (they are discarded), else null.
   */
  private replacedDraft(siteId: string, keeps: (string | null)[], seenHash: string | undefined): string | null {
    const draftHash = contentHash(this.d.catalogues.draft(siteId))
    if (seenHash !== undefined && seenHash !== draftHash) {
      throw new ApiError(409, 'draft_changed', 'The draft has changed since you saw it: a rollback would replace those changes. Review them again first')
    }
    // Nothing is lost when the draft is the live catalogue or already the one rolled back to.
    if (keeps.includes(draftHash)) return null
    if (seenHash === undefined) {
      throw new ApiError(
        409,
        'unpublished_changes',
        'The draft has changes that were never published, and a rollback replaces the draft: review them (GET …/diff) and send its toHash as draftHash to discard them',
      )
    }
    return draftHash
  }

  private append(
    siteId: string,
    userId: number,
    next: Catalogue,
    options: {
      action: string
      needsConsent: boolean | undefined
      note: string | null
      /** The draft becomes `next`; `seenHash`: the draft as the admin saw it (rollbackInput.draftHash). */
      resetDraft?: { seenHash: string | undefined }
      reviewedHash?: string | undefined
      /**
       * The live revision's number as the admin saw it (null: nothing was live), their verdict
       * compared against it; `review`: what the refusal asks them to review again.
       */
      seenLive?: { number: number | null; review: string } | undefined
    },
  ): RevisionSummary {
    const hash = contentHash(next)
    // Another editor saved since this one reviewed the changes: their verdict (or override) was
    // about other content, which could add a tracker that nobody is asked about.
    if (options.reviewedHash !== undefined && hash !== options.reviewedHash) {
      throw new ApiError(409, 'draft_changed', 'The draft has changed since you reviewed it: review the changes again before publishing')
    }
    // What goes live passes today's rules, whenever it was saved: a draft or an old revision from
    // before a rule was added is refused here, naming what to fix in the draft.
    const checked = catalogueSchema.safeParse(next)
    if (!checked.success) throw invalidError(checked.error, 'The catalogue does not pass the current rules; fix the draft first')
    const created = writeTransaction(this.d.db, () => {
      const live = this.d.catalogues.liveRow(siteId)
      // Someone published since the admin compared: a verdict (or override) about that comparison
      // does not hold for this one, which could re-add a tracker nobody is asked about.
      const seen = options.seenLive
      if (seen !== undefined && (live?.number ?? null) !== seen.number) {
        const then = seen.number === null ? 'nothing was when you saw it' : `not revision ${seen.number} as you saw it`
        throw new ApiError(409, 'live_changed', `Revision ${live?.number ?? 'none'} is live now, ${then}: review ${seen.review} again`)
      }
      const liveCatalogue = live ? parseStoredCatalogue(live.catalogue) : null
      if (liveCatalogue && contentHash(liveCatalogue) === hash) {
        throw new ApiError(409, 'nothing_to_publish', `Revision ${live!.number} is already live with this catalogue`)
      }
      const discarded = options.resetDraft ? this.replacedDraft(siteId, [liveCatalogue && contentHash(liveCatalogue), hash], options.resetDraft.seenHash) : null
      const verdict = this.verdict(siteId, live?.number ?? null, liveCatalogue, next)
      // The first revision always asks: there is no earlier choice it could rest on.
      const needsConsent = live ? (options.needsConsent ?? verdict.needsConsent) : true
      const row = this.d.db
        .insert(revisions)
        .values({
          siteId,
          number: (live?.number ?? 0) + 1,
          catalogue: canonicalJson(next),
          contentHash: hash,
          needsConsent,
          verdictOverridden: !needsConsent && verdict.needsConsent,
          publishedAt: new Date(this.d.now()),
          publishedBy: userId,
          note: options.note,
        })
        .returning()
        .get()
      if (options.resetDraft) this.d.catalogues.writeDraft(siteId, userId, next)
      this.d.audit.record({
        siteId,
        userId,
        action: options.action,
        before: live ? { revision: live.number, contentHash: live.contentHash } : null,
        after: {
          revision: row.number,
          contentHash: hash,
          needsConsent,
          suggestedNeedsConsent: verdict.needsConsent,
          reasons: verdict.reasons,
          note: options.note,
          // A rollback over unpublished changes: the draft it replaced is the `after` of the last
          // catalogue.draft entry, which this hash names.
          ...(discarded ? { discardedDraftHash: discarded } : {}),
        },
      })
      return row
    })
    // What /sdk/<site>.js and the config endpoint serve changes now, not after the cache's TTL.
    this.d.sites.invalidate(siteId)
    const { catalogue: _catalogue, ...rest } = this.get(siteId, created.number)
    return rest
  }
}

/**
 * Catalogues' items as versions (diff.ts ItemVersion), one object per distinct version, and their
 * comparisons, kept: the verdict compares each revision of its walk with the draft, and with the
 * overridden revisions after it, item by item, and most items are the same from one revision to
 * the next. Hundreds of overridden revisions, each compared whole with every older one, took
 * seconds, and publishing waits on the verdict inside its write transaction.
 *
 * One instance serves every site, and two sites (or one before and after a settings change) may
 * hold the same versions: a comparison is kept per site default language too, which the verdict
 * of a text removed reads and no version holds (diff.ts itemChanges).
 */
class ItemComparisons {
  private readonly versions = new Map<string, ItemVersion>()
  /** By site default language, then by the versions compared. */
  private readonly compared = new Map<string, Map<ItemVersion | undefined, Map<ItemVersion, ConsentChange[]>>>()
  private comparedCount = 0

  itemsOf(c: Catalogue): Map<string, ItemVersion> {
    if (this.versions.size >= ITEM_VERSIONS_KEPT) {
      // Versions made before compare by content, not identity: only slower (see changes).
      this.versions.clear()
      this.compared.clear()
      this.comparedCount = 0
    }
    return itemVersions(c, (v) => {
      const kept = this.versions.get(v.version)
      if (kept) return kept
      this.versions.set(v.version, v)
      return v
    })
  }

  /** diff.ts itemChanges, kept. */
  changes(before: ItemVersion | undefined, after: ItemVersion, siteDefault: string): ConsentChange[] {
    if (before?.version === after.version) return []
    let from = this.comparedFrom(siteDefault, before)
    let changes = from.get(after)
    if (changes) return changes
    if (this.comparedCount >= COMPARISONS_KEPT) {
      this.compared.clear()
      from = this.comparedFrom(siteDefault, before)
      this.comparedCount = 0
    }
    from.set(after, (changes = itemChanges(before, after, siteDefault)))
    this.comparedCount++
    return changes
  }

  /** The comparisons kept from `before` on sites whose default language is `siteDefault`. */
  private comparedFrom(siteDefault: string, before: ItemVersion | undefined): Map<ItemVersion, ConsentChange[]> {
    let bySite = this.compared.get(siteDefault)
    if (!bySite) this.compared.set(siteDefault, (bySite = new Map()))
    let from = bySite.get(before)
    if (!from) bySite.set(before, (from = new Map()))
    return from
  }
}

/**
 * What the overridden revisions a walk back from the live revision has met let in, to a revision
 * older than them: the changes that needed consent from it to one of them. Such a publisher was
 * judged against every revision back to the newest that asked, as Revisions.verdict judges, so
 * each of them was among the reasons shown. A change is named by its item, field and language
 * (ConsentChange), which a rename elsewhere in the item leaves as it is, or by the text of their
 * language its visitors read in the overridden revision (diff.ts shownIn); a change made to it
 * since the override is judged from the overridden revision, which the walk compares too.
 * Only the item a change is in is compared, with each of its versions among the overridden
 * revisions; overridden revisions of one verdict basis hold the same, and count once.
 */
class LetIn {
  private readonly bases = new Set<string>()
  /** Per item, its versions among the overridden revisions. */
  private readonly versions = new Map<string, Set<ItemVersion>>()

  /** `siteDefault`: the site's default language, by which its visitors' texts are read (diff.ts shownIn). */
  constructor(
    private readonly comparisons: ItemComparisons,
    private readonly siteDefault: string,
  ) {}

  add(basis: string, items: Map<string, ItemVersion>) {
    if (this.bases.has(basis)) return
    this.bases.add(basis)
    for (const [item, version] of items) {
      let versions = this.versions.get(item)
      if (!versions) this.versions.set(item, (versions = new Set()))
      versions.add(version)
    }
  }

  /** Whether `change`, found from `before` (its item in an older revision), was let in by an override since. */
  has(before: ItemVersion | undefined, change: ConsentChange): boolean {
    for (const version of this.versions.get(change.item) ?? []) {
      if (shownIn(this.comparisons.changes(before, version, this.siteDefault), change, version, this.siteDefault)) return true
    }
    return false
  }
}
