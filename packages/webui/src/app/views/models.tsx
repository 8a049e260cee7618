/** Models: the tensors of a safetensors model imported into the node (name, dtype, shape, size), by its CID. */
import { useState } from 'preact/hooks'
import { describe, formatBytes, json } from '../api.js'

interface Tensor {
  name: string
  cid: string
  dtype: string
  shape: number[]
  byteLength: number
}

export function ModelsView() {
  const [cid, setCid] = useState('')
  const [tensors, setTensors] = useState<Tensor[] | undefined>(undefined)
  const [error, setError] = useState('')
  const total = (tensors ?? []).reduce((n, t) => n + t.byteLength, 0)
  return (
    <>
      <form
        onSubmit={async (e) => {
          e.preventDefault()
          try {
            setTensors((await json<{ Tensors: Tensor[] }>('tensor/ls', { arg: cid.trim() })).Tensors)
            setError('')
          } catch (err) {
            setTensors(undefined)
            setError(describe(err))
          }
        }}
      >
        <label for="model-cid">Model CID</label>
        <input
          id="model-cid"
          class="mono"
          value={cid}
          placeholder="from ipfrs tensor import model.safetensors"
          onInput={(e) => setCid(e.currentTarget.value)}
        />
        <button type="submit" disabled={cid.trim() === ''}>
          Show tensors
        </button>
      </form>
      {error !== '' && <p class="error">{error}</p>}
      {tensors != null && (
        <table aria-label="Tensors">
          <caption>
            {tensors.length} tensors, {formatBytes(total)}
          </caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Dtype</th>
              <th scope="col">Shape</th>
              <th scope="col">Size</th>
            </tr>
          </thead>
          <tbody>
            {tensors.map((t) => (
              <tr key={t.name}>
                <td class="mono">{t.name}</td>
                <td>{t.dtype}</td>
                <td class="mono">[{t.shape.join(', ')}]</td>
                <td>{formatBytes(t.byteLength)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  )
}
