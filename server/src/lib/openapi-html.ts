// The API reference as one server-rendered page: no script, no CDN, readable offline and by
// screen readers. Schemas are shown as JSON Schema in collapsible blocks, linked by name.
import type { OpenApiDocument } from './openapi'

const esc = (s: unknown) =>
  String(s).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!)

/** Inline code spans (`x`) of descriptions, the only markup they use. */
const prose = (s: string) => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>')

const anchor = (method: string, path: string) => `${method}-${path}`.replace(/[^A-Za-z0-9]+/g, '-')
const refName = (ref: string) => ref.split('/').at(-1)!

/** Pretty JSON where `$ref`s become links to the schema. */
function schemaHtml(schema: unknown): string {
  const json = esc(JSON.stringify(schema, null, 2))
  return json.replace(
    /&quot;\$ref&quot;: &quot;#\/components\/schemas\/([A-Za-z0-9]+)&quot;/g,
    (_, name: string) => `&quot;$ref&quot;: <a href="#schema-${name}">&quot;${name}&quot;</a>`,
  )
}

function schemaRef(schema: unknown, components?: Record<string, unknown>): string {
  const ref = (schema as { $ref?: string } | undefined)?.$ref
  if (!ref) return `<code>${esc(JSON.stringify(schema))}</code>`
  const name = refName(ref)
  const link = `<a href="#schema-${name}"><code>${esc(name)}</code></a>`
  // Bodies and successful answers are shown in place too: that is what a reader came for.
  return components?.[name] ? `${link}<details><summary>Schema</summary><pre>${schemaHtml(components[name])}</pre></details>` : link
}

type Op = {
  summary: string
  description?: string
  tags: string[]
  parameters: { name: string; in: string; required: boolean; description?: string; schema: unknown }[]
  requestBody?: { description?: string; content: Record<string, { schema: unknown; example?: unknown }> }
  responses: Record<string, { description: string; headers?: Record<string, { description: string }>; content?: Record<string, { schema: unknown; example?: unknown }> }>
  security: unknown[]
}

export function openApiHtml(doc: OpenApiDocument): string {
  const byTag = new Map<string, { method: string; path: string; op: Op }[]>()
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item as Record<string, Op>)) {
      const tag = op.tags[0] ?? 'Other'
      if (!byTag.has(tag)) byTag.set(tag, [])
      byTag.get(tag)!.push({ method, path, op })
    }
  }

  const toc = [...byTag]
    .map(
      ([tag, ops]) =>
        `<li>${esc(tag)}<ul>${ops.map((o) => `<li><a href="#${anchor(o.method, o.path)}"><span class="m m-${o.method}">${o.method.toUpperCase()}</span> <code>${esc(o.path)}</code></a></li>`).join('')}</ul></li>`,
    )
    .join('')

  const operation = ({ method, path, op }: { method: string; path: string; op: Op }) => {
    const params = op.parameters.length
      ? `<table><caption>Parameters</caption><thead><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Required</th><th scope="col">Schema</th></tr></thead><tbody>${op.parameters
          .map(
            (p) =>
              `<tr><td><code>${esc(p.name)}</code>${p.description ? `<br><small>${prose(p.description)}</small>` : ''}</td><td>${esc(p.in)}</td><td>${p.required ? 'yes' : 'no'}</td><td><code class="s">${esc(JSON.stringify(p.schema))}</code></td></tr>`,
          )
          .join('')}</tbody></table>`
      : ''
    const body = op.requestBody
      ? `<h4>Request body</h4>${op.requestBody.description ? `<p>${prose(op.requestBody.description)}</p>` : ''}${Object.entries(op.requestBody.content)
          .map(
            ([type, c]) =>
              `<p><code>${esc(type)}</code>: ${schemaRef(c.schema, doc.components.schemas)}</p>${c.example !== undefined ? `<details><summary>Example</summary><pre>${esc(JSON.stringify(c.example, null, 2))}</pre></details>` : ''}`,
          )
          .join('')}`
      : ''
    const responses = `<h4>Responses</h4><dl>${Object.entries(op.responses)
      .map(
        ([status, r]) =>
          `<dt>${esc(status)}</dt><dd>${prose(r.description)}${Object.entries(r.content ?? {})
            .map(
              ([type, c]) =>
                ` — <code>${esc(type)}</code> ${schemaRef(c.schema, Number(status) < 400 ? doc.components.schemas : undefined)}${c.example !== undefined ? `<details><summary>Example</summary><pre>${esc(typeof c.example === 'string' ? c.example : JSON.stringify(c.example, null, 2))}</pre></details>` : ''}`,
            )
            .join('')}${
            r.headers
              ? `<ul>${Object.entries(r.headers)
                  .map(([name, h]) => `<li><code>${esc(name)}</code>: ${prose(h.description)}</li>`)
                  .join('')}</ul>`
              : ''
          }</dd>`,
      )
      .join('')}</dl>`
    return `<section class="op" id="${anchor(method, path)}" aria-labelledby="${anchor(method, path)}-h">
<h3 id="${anchor(method, path)}-h"><span class="m m-${method}">${method.toUpperCase()}</span> <code>${esc(path)}</code></h3>
<p><strong>${prose(op.summary)}</strong></p>${(op.description ?? '')
      .split('\n\n')
      .map((para) => `<p>${prose(para)}</p>`)
      .join('')}${params}${body}${responses}</section>`
  }

  const schemas = Object.entries(doc.components.schemas)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, schema]) => `<details id="schema-${esc(name)}"><summary><code>${esc(name)}</code></summary><pre>${schemaHtml(schema)}</pre></details>`)
    .join('')

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)} — API reference</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem 1.5rem;color:#1b1b1f;background:#fff}
@media (prefers-color-scheme:dark){body{color:#e8e8ec;background:#16161a}a{color:#8ab4ff}table,th,td{border-color:#444!important}pre{background:#222!important}}
code,pre{font-family:ui-monospace,monospace;font-size:.9em}pre{background:#f4f4f6;padding:.75rem;overflow:auto;border-radius:4px}
.m{display:inline-block;min-width:4.2em;font:bold .8em ui-monospace,monospace;padding:.1em .4em;border-radius:3px;color:#fff;background:#555;text-align:center}
.m-get{background:#1a6e3a}.m-post{background:#1d4fa0}.m-put{background:#8a5a00}.m-patch{background:#6b3fa0}.m-delete{background:#a11f1f}.m-options{background:#3d5a66}
.op{border-top:1px solid #ccc;padding-top:.5rem;margin-top:1.5rem}table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
code.s{word-break:break-all}caption{text-align:left;font-weight:bold}dt{font-weight:bold}nav ul{padding-left:1.2rem}
</style>
</head>
<body>
<header><h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
<p>${prose(doc.info.description)}</p>
<p>Machine-readable: <a href="/api/openapi.json"><code>/api/openapi.json</code></a> (OpenAPI ${esc(doc.openapi)}).</p></header>
<nav aria-label="Operations"><h2>Operations</h2><ul>${toc}</ul></nav>
<main>
${[...byTag].map(([tag, ops]) => `<h2>${esc(tag)}</h2>${ops.map(operation).join('\n')}`).join('\n')}
<h2 id="schemas">Schemas</h2>
${schemas}
</main>
</body>
</html>
`
}
