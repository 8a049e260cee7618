/**
 * The data model of computation graphs: op nodes and F32 tensors as DAG-CBOR blocks, their validation, and the small
 * registry of ops (`add`, `mul`, `matmul`, `relu`) that `ComputationGraphStore.evaluate` runs over Float32Array.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { GraphEvalError, InvalidGraphNodeError } from './graph-errors.js'

/** A plain attribute value: what DAG-CBOR can hold besides links. */
export type AttrValue = null | boolean | number | string | Uint8Array | AttrValue[] | { [key: string]: AttrValue }

/** One operation in a graph. Its CID is the hash of its DAG-CBOR encoding, so inputs always exist before it. */
export interface GraphNode {
  /** The operation's name, e.g. `matmul`. */
  readonly op: string
  /** CIDs of the op nodes or tensors it reads, in argument order. */
  readonly inputs: readonly CID[]
  /** Plain parameters of the op. */
  readonly attrs: Readonly<Record<string, AttrValue>>
  /** The CID of the tensor this op produced, when known. */
  readonly output?: CID
}

/** A dense float32 tensor: row-major data and its shape. */
export interface Tensor {
  readonly shape: readonly number[]
  readonly data: Float32Array
}

/** An op implementation: input tensors and attrs in, one tensor out. Throw `GraphEvalError` for bad inputs. */
export type OpFn = (inputs: readonly Tensor[], attrs: Readonly<Record<string, AttrValue>>) => Tensor

const NODE_KEYS = new Set(['op', 'inputs', 'attrs', 'output'])
const MAX_OP_LENGTH = 256

/** Checks a decoded value is a well-formed graph node and returns it typed; throws `ERR_INVALID_GRAPH_NODE`. */
export function validateNode(value: unknown, where = 'node'): GraphNode {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array)
    throw new InvalidGraphNodeError(`${where} is not a map`)
  const v = value as Record<string, unknown>
  for (const key of Object.keys(v))
    if (!NODE_KEYS.has(key)) throw new InvalidGraphNodeError(`${where} has key "${key}"`)
  if (typeof v.op !== 'string' || v.op.length === 0 || v.op.length > MAX_OP_LENGTH)
    throw new InvalidGraphNodeError(`${where}.op must be a string of 1..${MAX_OP_LENGTH} characters`)
  if (!Array.isArray(v.inputs)) throw new InvalidGraphNodeError(`${where}.inputs must be an array of CIDs`)
  const inputs = v.inputs.map((input, i) => {
    const cid = CID.asCID(input)
    if (cid == null) throw new InvalidGraphNodeError(`${where}.inputs[${i}] is not a CID`)
    return cid
  })
  const attrs = v.attrs ?? {}
  if (attrs === null || typeof attrs !== 'object' || Array.isArray(attrs) || attrs instanceof Uint8Array)
    throw new InvalidGraphNodeError(`${where}.attrs must be a map`)
  checkPlain(attrs, `${where}.attrs`, 0)
  let output: CID | undefined
  if (v.output !== undefined) {
    output = CID.asCID(v.output) ?? undefined
    if (output === undefined) throw new InvalidGraphNodeError(`${where}.output is not a CID`)
  }
  const node: GraphNode = { op: v.op, inputs, attrs: attrs as Record<string, AttrValue> }
  return output === undefined ? node : { ...node, output }
}

function checkPlain(value: unknown, where: string, depth: number): void {
  if (depth > 32) throw new InvalidGraphNodeError(`${where} is nested too deeply`)
  if (value === null || typeof value === 'boolean' || typeof value === 'string' || value instanceof Uint8Array) return
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidGraphNodeError(`${where} is not a finite number`)
    return
  }
  if (CID.asCID(value) != null) throw new InvalidGraphNodeError(`${where} is a link; links belong in inputs`)
  if (Array.isArray(value)) {
    for (const [i, x] of value.entries()) checkPlain(x, `${where}[${i}]`, depth + 1)
    return
  }
  if (typeof value === 'object') {
    for (const [k, x] of Object.entries(value)) checkPlain(x, `${where}.${k}`, depth + 1)
    return
  }
  throw new InvalidGraphNodeError(`${where} has a ${typeof value}, not a plain value`)
}

/** Encodes a node as DAG-CBOR bytes (validating it first). */
export function encodeNode(node: GraphNode): Uint8Array {
  const valid = validateNode(node)
  const value: Record<string, unknown> = { op: valid.op, inputs: valid.inputs, attrs: valid.attrs }
  if (valid.output !== undefined) value.output = valid.output
  try {
    return dagCbor.encode(value)
  } catch (err) {
    throw new InvalidGraphNodeError(`does not encode as DAG-CBOR`, { cause: err })
  }
}

/** Whether a decoded DAG-CBOR value looks like an op node (has an `op` key) rather than a tensor. */
export function isNodeLike(value: unknown): boolean {
  return value !== null && typeof value === 'object' && Object.hasOwn(value, 'op')
}

/** Encodes an F32 tensor as a DAG-CBOR block value `{ dtype: 'F32', shape, data }` (little-endian bytes). */
export function encodeTensor(tensor: Tensor): Uint8Array {
  checkTensor(tensor, 'tensor')
  const bytes = new Uint8Array(tensor.data.byteLength)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < tensor.data.length; i++) view.setFloat32(i * 4, tensor.data[i]!, true)
  return dagCbor.encode({ dtype: 'F32', shape: [...tensor.shape], data: bytes })
}

/** Turns a decoded tensor block value back into a tensor; throws `ERR_INVALID_GRAPH_NODE` when malformed. */
export function decodeTensor(value: unknown, where = 'tensor'): Tensor {
  const v = value as { dtype?: unknown; shape?: unknown; data?: unknown } | null
  if (v === null || typeof v !== 'object' || v.dtype !== 'F32' || !(v.data instanceof Uint8Array))
    throw new InvalidGraphNodeError(`${where} is not an F32 tensor block`)
  if (!Array.isArray(v.shape) || !v.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw new InvalidGraphNodeError(`${where}.shape must be non-negative integers`)
  const shape = v.shape as number[]
  const count = shape.reduce((a, b) => a * b, 1)
  if (v.data.byteLength !== count * 4) throw new InvalidGraphNodeError(`${where}.data length does not match shape`)
  const view = new DataView(v.data.buffer, v.data.byteOffset, v.data.byteLength)
  const data = new Float32Array(count)
  for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true)
  return { shape, data }
}

/** Reads a raw block (codec 0x55) as a 1-D F32 tensor of little-endian floats. */
export function rawTensor(bytes: Uint8Array, where = 'raw tensor'): Tensor {
  if (bytes.byteLength % 4 !== 0) throw new InvalidGraphNodeError(`${where} is not a whole number of float32s`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const data = new Float32Array(bytes.byteLength / 4)
  for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true)
  return { shape: [data.length], data }
}

function checkTensor(t: Tensor, where: string): void {
  if (!(t.data instanceof Float32Array)) throw new InvalidGraphNodeError(`${where}.data must be a Float32Array`)
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw new InvalidGraphNodeError(`${where}.shape must be non-negative integers`)
  if (t.shape.reduce((a, b) => a * b, 1) !== t.data.length)
    throw new InvalidGraphNodeError(`${where} has ${t.data.length} elements, shape [${t.shape.join(', ')}]`)
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i])

function arity(op: string, inputs: readonly Tensor[], n: number): void {
  if (inputs.length !== n) throw new GraphEvalError(op, `takes ${n} input(s), got ${inputs.length}`)
}

function elementwise(op: string, f: (a: number, b: number) => number): OpFn {
  return (inputs) => {
    arity(op, inputs, 2)
    const [a, b] = inputs as [Tensor, Tensor]
    if (!sameShape(a.shape, b.shape))
      throw new GraphEvalError(op, `shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] differ`)
    const out = new Float32Array(a.data.length)
    for (let i = 0; i < out.length; i++) out[i] = f(a.data[i]!, b.data[i]!)
    return { shape: [...a.shape], data: out }
  }
}

const matmul: OpFn = (inputs) => {
  arity('matmul', inputs, 2)
  const [a, b] = inputs as [Tensor, Tensor]
  if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[1] !== b.shape[0])
    throw new GraphEvalError('matmul', `cannot multiply [${a.shape.join(', ')}] by [${b.shape.join(', ')}]`)
  const [m, k] = a.shape as [number, number]
  const n = b.shape[1]!
  const out = new Float32Array(m * n)
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const x = a.data[i * k + p]!
      for (let j = 0; j < n; j++) out[i * n + j]! += x * b.data[p * n + j]!
    }
  return { shape: [m, n], data: out }
}

const relu: OpFn = (inputs) => {
  arity('relu', inputs, 1)
  const a = inputs[0]!
  return { shape: [...a.shape], data: a.data.map((x) => Math.max(x, 0)) }
}

/** The built-in ops: elementwise `add` and `mul` (equal shapes), 2-D `matmul`, elementwise `relu`. */
export function defaultOps(): Map<string, OpFn> {
  return new Map<string, OpFn>([
    ['add', elementwise('add', (a, b) => a + b)],
    ['mul', elementwise('mul', (a, b) => a * b)],
    ['matmul', matmul],
    ['relu', relu],
  ])
}
