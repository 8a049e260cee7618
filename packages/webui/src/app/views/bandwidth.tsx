/** Bandwidth: bytes in and out per second over the last 10 minutes (the daemon's `stats/bw` history), as a chart. */
import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import { formatBytes, json } from '../api.js'
import { usePoll } from '../poll.js'

/** `stats/bw?history=true`: totals, current rates, and one sample per interval over the last 10 minutes. */
interface BwBody {
  TotalIn: number
  TotalOut: number
  RateIn: number
  RateOut: number
  History: Array<{ Time: number; RateIn: number; RateOut: number }>
}

export function BandwidthView() {
  const bw = usePoll(() => json<BwBody>('stats/bw', { history: true }), 2_000)
  const box = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  useEffect(() => {
    const el = box.current
    if (el == null || bw.data == null) return
    const h = bw.data.History
    const data: uPlot.AlignedData = [h.map((s) => s.Time / 1000), h.map((s) => s.RateIn), h.map((s) => s.RateOut)]
    if (plot.current == null) {
      plot.current = new uPlot(
        {
          width: Math.max(280, el.clientWidth),
          height: 240,
          series: [
            {},
            { label: 'In', stroke: '#1b6b73', value: (_u, v) => (v == null ? '–' : `${formatBytes(v)}/s`) },
            { label: 'Out', stroke: '#c0392b', value: (_u, v) => (v == null ? '–' : `${formatBytes(v)}/s`) },
          ],
          axes: [{}, { values: (_u, ticks) => ticks.map((t) => `${formatBytes(t)}/s`), size: 80 }],
        },
        data,
        el,
      )
    } else plot.current.setData(data)
  }, [bw.data])
  useEffect(() => {
    const resize = () => {
      if (plot.current != null && box.current != null)
        plot.current.setSize({ width: Math.max(280, box.current.clientWidth), height: 240 })
    }
    addEventListener('resize', resize)
    return () => {
      removeEventListener('resize', resize)
      plot.current?.destroy()
      plot.current = null
    }
  }, [])
  return (
    <>
      {bw.error !== '' && <p class="error">{bw.error}</p>}
      <dl class="row">
        <dt>In now</dt>
        <dd data-testid="rate-in">{bw.data == null ? '…' : `${formatBytes(bw.data.RateIn)}/s`}</dd>
        <dt>Out now</dt>
        <dd data-testid="rate-out">{bw.data == null ? '…' : `${formatBytes(bw.data.RateOut)}/s`}</dd>
        <dt>Total in</dt>
        <dd>{bw.data == null ? '…' : formatBytes(bw.data.TotalIn)}</dd>
        <dt>Total out</dt>
        <dd>{bw.data == null ? '…' : formatBytes(bw.data.TotalOut)}</dd>
      </dl>
      <figure>
        <div ref={box} class="chart" role="img" aria-label="Bytes in and out per second over the last 10 minutes" />
        <figcaption>Bytes per second over the last 10 minutes (all libp2p connections).</figcaption>
      </figure>
    </>
  )
}
