/** Models: the tensors of a safetensors or GGUF model in the node (name, dtype, shape, size), by its file CID. */
import { useState } from 'preact/hooks'
import { formatBytes, json } from '../api.js'
import { FieldForm, Head, useRequest } from '../components.js'

interface Tensor {
  name: string
  cid: string
  dtype: string
  shape: number[]
  byteLength: number
}

export function ModelsView() {
  const [cid, setCid] = useState('')
  const req = useRequest<Tensor[]>()
  const tensors = req.data
  const total = (tensors ?? []).reduce((n, t) => n + t.byteLength, 0)
  return (
    <>
      <FieldForm
        id="model-cid"
        label="Model CID"
        mono
        value={cid}
        onValue={setCid}
        placeholder="a model file CID, from ipfrs add model.safetensors (or .gguf)"
        submit="Show tensors"
        disabled={req.busy || cid.trim() === ''}
        onSubmit={() =>
          req.run(async () => (await json<{ Tensors: Tensor[] }>('tensor/ls', { arg: cid.trim() })).Tensors)
        }
      />
      {req.error !== '' && <p class="error">{req.error}</p>}
      {tensors != null && (
        <table aria-label="Tensors">
          <caption>
            {tensors.length} tensors, {formatBytes(total)}
          </caption>
          <Head cols={['Name', 'Dtype', 'Shape', 'Size']} />
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
