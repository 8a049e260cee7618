/** Re-running a load every few seconds while a view is shown. */
import { useEffect, useState } from 'preact/hooks'
import { describe } from './api.js'

/** The latest result of `load`, re-run every `intervalMs`, and the last error's message (cleared by a success). */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number): { data: T | undefined; error: string } {
  const [data, setData] = useState<T | undefined>(undefined)
  const [error, setError] = useState('')
  useEffect(() => {
    let stopped = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const tick = async () => {
      try {
        const d = await load()
        if (stopped) return
        setData(d)
        setError('')
      } catch (err) {
        if (!stopped) setError(describe(err))
      }
      if (!stopped) timer = setTimeout(tick, intervalMs)
    }
    void tick()
    return () => {
      stopped = true
      clearTimeout(timer)
    }
  }, [])
  return { data, error }
}
