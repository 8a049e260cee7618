/** Search: a semantic query over the node's vector index; results with CID, score and a text snippet. `?q=` links here. */
import { useEffect, useState } from 'preact/hooks'
import { call, describe, json } from '../api.js'
import { FieldForm } from '../components.js'
import { gatewayUrl } from '../gateway.js'

interface Hit {
  Cid: string
  Score: number
  snippet: string
}

const SNIPPET_BYTES = 240

async function snippet(cid: string): Promise<string> {
  try {
    const text = await (await call('cat', { arg: cid, length: SNIPPET_BYTES })).text()
    return text.replace(/\s+/g, ' ').trim()
  } catch {
    return ''
  }
}

export function SearchView() {
  const initial = new URLSearchParams(location.search).get('q') ?? ''
  const [text, setText] = useState(initial)
  const [hits, setHits] = useState<Hit[] | undefined>(undefined)
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const [gateway, setGateway] = useState('')

  const run = async (q: string) => {
    if (q.trim() === '') return
    setBusy(true)
    try {
      const body = await json<{ Results: Array<{ Cid: string; Score: number }> }>('semantic/query', { arg: q, k: 10 })
      setHits(await Promise.all(body.Results.map(async (r) => ({ ...r, snippet: await snippet(r.Cid) }))))
      setError('')
    } catch (err) {
      setError(describe(err))
    } finally {
      setBusy(false)
    }
  }
  useEffect(() => {
    void gatewayUrl().then(setGateway)
    if (initial !== '') void run(initial)
  }, [])

  return (
    <>
      <search>
        <FieldForm
          id="search-text"
          label="Search text"
          type="search"
          value={text}
          onValue={setText}
          placeholder="e.g. nearest neighbour graph search"
          submit="Search"
          disabled={busy}
          onSubmit={() => {
            history.pushState(null, '', `?q=${encodeURIComponent(text)}`)
            void run(text)
          }}
        />
      </search>
      {error !== '' && <p class="error">{error}</p>}
      {hits != null &&
        (hits.length === 0 ? (
          <p>No matches. Index files with `ipfrs semantic index &lt;cid&gt;` or `ipfrs add --index`.</p>
        ) : (
          <ol class="results" aria-label="Search results">
            {hits.map((h) => (
              <li key={h.Cid} data-cid={h.Cid}>
                <a
                  class="mono cid"
                  href={gateway === '' ? undefined : `${gateway}/ipfs/${h.Cid}`}
                  target="_blank"
                  rel="noopener"
                >
                  {h.Cid}
                </a>{' '}
                <span class="score">score {h.Score.toFixed(3)}</span>
                <p class="snippet">{h.snippet === '' ? '(no text preview)' : h.snippet}</p>
              </li>
            ))}
          </ol>
        ))}
    </>
  )
}
