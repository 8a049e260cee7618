/** The web UI's shell: navigation between the views, the API token form, and the "daemon unreachable" banner. */
import 'uplot/dist/uPlot.min.css'
import './style.css'
import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { getToken, onReachability, setToken } from './api.js'
import { BandwidthView } from './views/bandwidth.js'
import { FilesView } from './views/files.js'
import { LogicView } from './views/logic.js'
import { ModelsView } from './views/models.js'
import { SearchView } from './views/search.js'
import { StatusView } from './views/status.js'

const VIEWS = {
  status: { title: 'Status', View: StatusView },
  bandwidth: { title: 'Bandwidth', View: BandwidthView },
  files: { title: 'Files', View: FilesView },
  search: { title: 'Search', View: SearchView },
  logic: { title: 'Logic', View: LogicView },
  models: { title: 'Models', View: ModelsView },
} as const
type ViewName = keyof typeof VIEWS

/** The view the address names: `?view=<name>`, or Search when `?q=` is given. */
function viewFromLocation(): ViewName {
  const params = new URLSearchParams(location.search)
  const v = params.get('view')
  if (v != null && v in VIEWS) return v as ViewName
  return params.has('q') ? 'search' : 'status'
}

function App() {
  const [view, setView] = useState<ViewName>(viewFromLocation)
  const [reachable, setReachable] = useState(true)
  const [token, setTokenState] = useState(getToken)
  const [tokenEpoch, setTokenEpoch] = useState(0)
  useEffect(() => onReachability(setReachable), [])
  useEffect(() => {
    const pop = () => setView(viewFromLocation())
    addEventListener('popstate', pop)
    return () => removeEventListener('popstate', pop)
  }, [])
  const go = (name: ViewName) => {
    history.pushState(null, '', `?view=${name}`)
    setView(name)
  }
  const { View } = VIEWS[view]
  return (
    <>
      <header>
        <h1>IPFRS</h1>
        <nav aria-label="Views">
          {(Object.keys(VIEWS) as ViewName[]).map((name) => (
            <a
              key={name}
              href={`?view=${name}`}
              aria-current={name === view ? 'page' : undefined}
              onClick={(e) => {
                e.preventDefault()
                go(name)
              }}
            >
              {VIEWS[name].title}
            </a>
          ))}
        </nav>
        <form
          class="token"
          onSubmit={(e) => {
            e.preventDefault()
            setToken(token.trim())
            setTokenEpoch((n) => n + 1)
          }}
        >
          <label for="api-token">API token</label>
          <input
            id="api-token"
            type="password"
            autoComplete="off"
            placeholder="only if API.Authorizations is set"
            value={token}
            onInput={(e) => setTokenState(e.currentTarget.value)}
          />
          <button type="submit">Use token</button>
        </form>
      </header>
      {!reachable && (
        <p class="banner" role="alert">
          The IPFRS daemon is unreachable. Is <code>ipfrs daemon</code> running? Retrying…
        </p>
      )}
      <main id="view" data-view={view}>
        <h2>{VIEWS[view].title}</h2>
        <View key={`${view}:${tokenEpoch}`} />
      </main>
    </>
  )
}

const root = document.getElementById('app')
if (root != null) {
  root.textContent = ''
  render(<App />, root)
}
