/** Small pieces the views share: a table head, a one-field form, and a request's result/error/busy state. */
import { useState } from 'preact/hooks'
import { describe } from './api.js'

/** A `<thead>` with one column header per name. */
export function Head({ cols }: { cols: readonly string[] }) {
  return (
    <thead>
      <tr>
        {cols.map((c) => (
          <th key={c} scope="col">
            {c}
          </th>
        ))}
      </tr>
    </thead>
  )
}

interface FieldFormProps {
  id: string
  label: string
  value: string
  onValue: (v: string) => void
  placeholder: string
  submit: string
  disabled: boolean
  onSubmit: () => void
  type?: 'text' | 'search'
  mono?: boolean
}

/** A form of one labelled text field and its submit button. */
export function FieldForm(p: FieldFormProps) {
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault()
        p.onSubmit()
      }}
    >
      <label for={p.id}>{p.label}</label>
      {p.type === 'search' ? <input type="search" {...field(p)} /> : <input type="text" {...field(p)} />}
      <button type="submit" disabled={p.disabled}>
        {p.submit}
      </button>
    </form>
  )
}

function field(p: FieldFormProps) {
  return {
    id: p.id,
    class: p.mono ? 'mono' : undefined,
    value: p.value,
    placeholder: p.placeholder,
    onInput: (e: { currentTarget: HTMLInputElement }) => p.onValue(e.currentTarget.value),
  }
}

/** The last result of a request the user started, its error message, and whether one is running. */
export function useRequest<T>() {
  const [data, setData] = useState<T | undefined>(undefined)
  const [error, setError] = useState('')
  const [busy, setBusy] = useState(false)
  const run = async (load: () => Promise<T>) => {
    setBusy(true)
    try {
      setData(await load())
      setError('')
    } catch (err) {
      setData(undefined)
      setError(describe(err))
    } finally {
      setBusy(false)
    }
  }
  return { data, error, busy, run }
}
