import type { ConsentRecordInput } from '@miniconsent/shared'
import type { ConsentState, PublishedConfig } from './types'

export interface RecordContext {
  recordId: string
  textsHash: string | null
  language: string
  /** location.origin + location.pathname: never the query, which may carry personal data. */
  url: string
  clientTime: string
}

/** The consent record for `POST /api/v1/consents`: every category and every service, granted and denied. */
export function buildConsentRecord(config: PublishedConfig, state: ConsentState, ctx: RecordContext): ConsentRecordInput {
  return {
    recordId: ctx.recordId,
    consentId: state.consentId,
    siteId: config.siteId,
    revision: state.revision,
    textsHash: ctx.textsHash,
    categories: state.categories,
    services: state.services,
    method: state.method ?? 'api',
    language: ctx.language,
    url: ctx.url,
    clientTime: ctx.clientTime,
    gpc: state.gpc,
  }
}
