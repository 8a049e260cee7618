import type { LsEntry as ListEntry } from '@ipfrs/node-api'

/** A plain HTML directory listing; every name is escaped. */
export function directoryListing(path: string, entries: ListEntry[]): string {
  const rows = entries
    .map((e) => {
      const name = e.type === 'directory' ? `${e.name}/` : e.name
      return `<tr><td><a href="${escapeHtml(encodeURIComponent(e.name))}${e.type === 'directory' ? '/' : ''}">${escapeHtml(name)}</a></td><td>${escapeHtml(e.cid)}</td><td>${e.type === 'directory' ? '-' : String(e.size)}</td></tr>`
    })
    .join('\n')
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(path)}</title></head>
<body><h1>Index of ${escapeHtml(path)}</h1>
<table><thead><tr><th>Name</th><th>CID</th><th>Size</th></tr></thead>
<tbody>
${rows}
</tbody></table></body></html>
`
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
