import { useLocation } from 'preact-iso'
import { filterParams, type LogFilters } from '../api'
import { stats as statsSchema, type Stats } from '../api-shapes'
import { Chart, type ChartSeries } from '../components/Chart'
import { filtersFromQuery, LogFiltersForm, withFilters } from '../components/LogFiltersForm'
import { LoadGate, siteRoute, useLoad, type SitePageProps } from '../components/site-page'
import { formatCount } from '../format'
import { siteApi, sitePath, useSession } from '../session'
import { statsDays } from '../stats-days'
import { useDocumentTitle } from '../use-document-title'

export const AnalyticsRoute = siteRoute('analytics', AnalyticsPage)

// Distinct in hue and in dash pattern, each ≥ 4.5:1 against white.
const COLORS = { acceptAll: '#166534', rejectAll: '#b42318', custom: '#1d4ed8', other: '#4a5260' }
const OUTCOMES = [
  { key: 'acceptAll', label: 'Accept all', color: COLORS.acceptAll },
  { key: 'rejectAll', label: 'Reject all', color: COLORS.rejectAll, dash: [6, 3] },
  { key: 'custom', label: 'Custom', color: COLORS.custom, dash: [2, 2] },
  { key: 'other', label: 'Other (withdraw, GPC, API)', color: COLORS.other, dash: [10, 4] },
] as const

type Counts = { total: number; acceptAll: number; rejectAll: number; custom: number; other: number }

function rate(part: number, total: number): number {
  return total ? (part / total) * 100 : 0
}

function pct(part: number, total: number): string {
  return total ? `${(Math.round(rate(part, total) * 10) / 10).toFixed(1)} %` : '—'
}

function AnalyticsPage({ site }: SitePageProps) {
  const { api } = useSession()
  const { query, route } = useLocation()
  useDocumentTitle(`Analytics — ${site.name}`)
  // The consent log's filters, held in the query string as on the log and export pages.
  const filters = filtersFromQuery(query)
  const filterKey = filterParams(filters).toString()
  const load = useLoad(
    (signal) => api.request(siteApi(site.id, `/stats${filterKey ? `?${filterKey}` : ''}`), statsSchema, { signal }),
    [site.id, filterKey],
  )

  return (
    <>
      <h1>Analytics — {site.name}</h1>
      <LogFiltersForm
        key={filterKey}
        idPrefix="stats-filter"
        // No consent-ID search here: one from a link is shown, and can be removed, in the form.
        withConsentId
        filters={filters}
        onApply={(f: LogFilters) => route(withFilters(sitePath(site.id, 'analytics'), f))}
      />
      <LoadGate state={load.state} what="the statistics" onRetry={load.reload}>
        {(s) => <StatsView stats={s} filters={filters} filtered={filterKey !== ''} />}
      </LoadGate>
    </>
  )
}

function StatsView({ stats, filters, filtered }: { stats: Stats; filters: LogFilters; filtered: boolean }) {
  const total = stats.perDay.reduce((n, d) => n + d.total, 0)
  const unreadable = stats.unreadableCategories ?? 0
  // Without filters, the statistics are of the whole log: there is no period to speak of.
  const where = filtered ? 'matching the filters' : 'in the log'
  if (total === 0 && stats.perCategory.length === 0) {
    return <p class="empty">No decisions {where} yet.</p>
  }
  const perDay = statsDays(stats.perDay, filters)
  return (
    <>
      <p>
        {formatCount(total)} {total === 1 ? 'decision' : 'decisions'} {where}.
      </p>
      <section class="editor-section" aria-labelledby="per-day-heading">
        <h2 id="per-day-heading">Decisions per day</h2>
        {/* The server's days are UTC dates, while the log shows the reader's own times: a decision near midnight may count for the day before or after. */}
        <Chart
          label="Line chart of decisions per day (UTC) by outcome; the numbers are in the table below."
          kind="lines"
          xLabel="Day (UTC)"
          x={perDay.days.map((d) => d.day)}
          series={OUTCOMES.map((o) => ({ label: o.label, color: o.color, dash: 'dash' in o ? [...o.dash] : undefined, values: perDay.days.map((d) => d[o.key]) }))}
        />
        {!perDay.complete && (
          <p class="muted">
            The decisions span more than three years, so only the days with decisions are listed; the lines run straight over the
            days between.
          </p>
        )}
        <OutcomeTable caption="Decisions per day" head="Day (UTC)" rows={perDay.days.map((d) => ({ name: d.day, counts: d }))} />
      </section>

      <section class="editor-section" aria-labelledby="per-category-heading">
        <h2 id="per-category-heading">Consent rate per category</h2>
        {unreadable > 0 && (
          <p class="notice" role="status">
            {formatCount(unreadable)} {unreadable === 1 ? 'record is' : 'records are'} left out of the rates below:{' '}
            {unreadable === 1 ? 'its' : 'their'} stored categories cannot be read, as when a row was changed outside MiniConsent. Run a
            verification of the log to see where it breaks.
          </p>
        )}
        <p class="muted">
          A category counts only in the decisions whose version of the banner asked for it: a category added in a later
          revision is rated among the decisions made since.
        </p>
        <Chart
          label="Bar chart of the share of choices of each category that granted it, among the decisions that asked for it; the numbers are in the table below."
          kind="bars"
          xLabel="Category"
          unit="%"
          x={stats.perCategory.map((c) => c.category)}
          series={[{ label: 'Granted', color: COLORS.custom, values: stats.perCategory.map((c) => rate(c.granted, c.granted + c.denied)) }]}
        />
        <div class="table-scroll" role="region" aria-labelledby="per-category-caption" tabIndex={0}>
          <table class="data-table">
            <caption id="per-category-caption">Choices per category</caption>
            <thead>
              <tr>
                <th scope="col">Category</th>
                <th scope="col" class="num">Granted</th>
                <th scope="col" class="num">Denied</th>
                <th scope="col" class="num">Granted rate</th>
              </tr>
            </thead>
            <tbody>
              {stats.perCategory.map((c) => (
                <tr key={c.category}>
                  <th scope="row">{c.category}</th>
                  <td class="num">{formatCount(c.granted)}</td>
                  <td class="num">{formatCount(c.denied)}</td>
                  <td class="num">{pct(c.granted, c.granted + c.denied)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <RateSection
        id="per-region"
        title="Outcomes per region"
        head="Region"
        rows={stats.perRegion.map((r) => ({ name: `${r.region ?? 'Unknown'} (${r.mode})`, counts: r }))}
      />
      <RateSection
        id="per-revision"
        title="Outcomes per revision"
        head="Revision"
        rows={stats.perRevision.map((r) => ({ name: `Revision ${r.revision}`, counts: r }))}
      />
    </>
  )
}

function rateSeries(rows: Array<{ counts: Counts }>): ChartSeries[] {
  return OUTCOMES.map((o) => ({
    label: o.label,
    color: o.color,
    values: rows.map((r) => rate(r.counts[o.key], r.counts.total)),
  }))
}

function RateSection({ id, title, head, rows }: { id: string; title: string; head: string; rows: Array<{ name: string; counts: Counts }> }) {
  return (
    <section class="editor-section" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>{title}</h2>
      {rows.length === 0 ? (
        <p class="muted">No decisions.</p>
      ) : (
        <>
          <Chart
            label={`Stacked bar chart: ${title.toLowerCase()} as shares of all decisions; the numbers are in the table below.`}
            kind="stacked"
            xLabel={head}
            unit="%"
            x={rows.map((r) => r.name)}
            series={rateSeries(rows)}
          />
          <OutcomeTable caption={title} head={head} rows={rows} withRates />
        </>
      )}
    </section>
  )
}

function OutcomeTable({
  caption,
  head,
  rows,
  withRates,
}: {
  caption: string
  head: string
  rows: Array<{ name: string; counts: Counts }>
  withRates?: boolean
}) {
  return (
    // The region's name differs from the section heading it sits under: landmarks need unique names.
    <div class="table-scroll" role="region" aria-label={`Table: ${caption.toLowerCase()}`} tabIndex={0}>
      <table class="data-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{head}</th>
            <th scope="col" class="num">
              Total
            </th>
            {OUTCOMES.map((o) => (
              <th key={o.key} scope="col" class="num">
                {o.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name}>
              <th scope="row">{r.name}</th>
              <td class="num">{formatCount(r.counts.total)}</td>
              {OUTCOMES.map((o) => (
                <td key={o.key} class="num">
                  {formatCount(r.counts[o.key])}
                  {withRates && <span class="muted"> ({pct(r.counts[o.key], r.counts.total)})</span>}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
