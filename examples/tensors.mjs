// tensors.mjs: @ipfrs/transport's TensorStore over an in-memory blockstore, with no repo and no network.
// Put a Float32Array (stored as an Arrow IPC stream in content-addressed chunks), read it back: the returned
// typed array is a view over one buffer the chunks were copied into (no second copy), and every chunk is
// checked against its CID.
// Run: node examples/tensors.mjs   (after `pnpm build`)
import { TensorStore } from '@ipfrs/transport'
import { MemoryBlockstore } from 'blockstore-core'

const store = new TensorStore({ blockstore: new MemoryBlockstore() })

const weights = Float32Array.from({ length: 12 }, (_, i) => i / 4)
const cid = await store.putTensor(weights, { name: 'layer0.weight', shape: [3, 4], chunkSize: 64 })
console.log('tensor CID', cid.toString())

const { data, dtype, shape, manifest } = await store.getTensor(cid)
console.log('dtype', dtype, 'shape', JSON.stringify(shape), 'chunks', manifest.chunks.length)
console.log('values', Array.from(data).join(','))
console.log('same values:', data.length === weights.length && data.every((v, i) => v === weights[i]))
console.log('zero-copy view over the reassembled buffer:', data.buffer.byteLength === manifest.byteLength)
