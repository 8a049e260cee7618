/** Status: the node's identity and addresses, its connected peers with latency, and the five /health categories. */
import { type HealthBody, health, json } from '../api.js'
import { Head } from '../components.js'
import { usePoll } from '../poll.js'

interface IdBody {
  ID: string
  AgentVersion: string
  Addresses: string[]
}
interface PeersBody {
  Peers: Array<{ Peer: string; Addr: string; Latency: string; Direction: number }> | null
}

export function StatusView() {
  const id = usePoll(() => json<IdBody>('id'), 10_000)
  const peers = usePoll(() => json<PeersBody>('swarm/peers', { latency: true }), 3_000)
  const report = usePoll<HealthBody>(health, 5_000)
  const error = id.error || peers.error || report.error
  return (
    <>
      {error !== '' && <p class="error">{error}</p>}
      <section aria-labelledby="node-h">
        <h3 id="node-h">Node</h3>
        <dl>
          <dt>Peer ID</dt>
          <dd class="mono" data-testid="peer-id">
            {id.data?.ID ?? '…'}
          </dd>
          <dt>Agent version</dt>
          <dd>{id.data?.AgentVersion ?? '…'}</dd>
          <dt>Listen addresses</dt>
          <dd>
            {id.data == null ? (
              '…'
            ) : id.data.Addresses.length === 0 ? (
              'none (offline)'
            ) : (
              <ul class="plain">
                {id.data.Addresses.map((a) => (
                  <li key={a} class="mono">
                    {a}
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </dl>
      </section>
      <section aria-labelledby="health-h">
        <h3 id="health-h">Health{report.data != null && `: ${report.data.status}`}</h3>
        <table>
          <Head cols={['Subsystem', 'Status', 'Details']} />
          <tbody>
            {Object.entries(report.data?.checks ?? {}).map(([name, check]) => (
              <tr key={name} data-health={name}>
                <td>{name}</td>
                <td class={`status-${check.status}`}>{check.status}</td>
                <td class="details">{detailsText(check.details)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="peers-h">
        <h3 id="peers-h">Connected peers ({peers.data?.Peers?.length ?? 0})</h3>
        {(peers.data?.Peers?.length ?? 0) === 0 ? (
          <p>No peers connected.</p>
        ) : (
          <table>
            <Head cols={['Peer', 'Address', 'Latency']} />
            <tbody>
              {peers.data?.Peers?.map((p) => (
                <tr key={`${p.Peer}${p.Addr}`} data-peer={p.Peer}>
                  <td class="mono">{p.Peer}</td>
                  <td class="mono">{p.Addr}</td>
                  <td>{p.Latency === '' ? 'n/a' : p.Latency}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  )
}

function detailsText(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(', ')
}
