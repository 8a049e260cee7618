/**
 * `ComputationGraphStore`: a CID-linked DAG of operations over any `interface-blockstore` Blockstore. Nodes and F32
 * tensors are DAG-CBOR blocks; a node names its inputs by CID (op nodes or tensors) and optionally its output tensor.
 * The store orders graphs (Kahn, ties broken by CID string), traces a tensor's provenance back to its leaves, cuts
 * subgraphs and evaluates graphs with a registry of ops.
 */
import { hashMatches } from '@ipfrs/core'
import * as dagCbor from '@ipld/dag-cbor'
import type { Blockstore } from 'interface-blockstore'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import {
  GraphCycleError,
  GraphTooLargeError,
  InvalidGraphNodeError,
  MissingNodeError,
  UnknownOpError,
} from './graph-errors.js'
import {
  type AttrValue,
  decodeTensor,
  defaultOps,
  encodeNode,
  encodeTensor,
  type GraphNode,
  isNodeLike,
  type OpFn,
  rawTensor,
  type Tensor,
  validateNode,
} from './graph-types.js'

/** Options every async call takes. */
export interface GraphCallOptions {
  signal?: AbortSignal
}

/** What `ComputationGraphStore` needs. */
export interface ComputationGraphStoreInit {
  blockstore: Blockstore
  /** Walks stop with `ERR_GRAPH_TOO_LARGE` past this many op nodes (default 1,000,000). */
  maxNodes?: number
}

/** A node to add: like `GraphNode`, with `attrs` optional. */
export interface GraphNodeInput {
  op: string
  inputs: readonly CID[]
  attrs?: Record<string, AttrValue>
  output?: CID
}

/** A loaded graph: its op nodes, the tensors it starts from, and a deterministic topological order. */
export interface ComputationGraph {
  /** The CIDs the graph was cut for. */
  readonly outputs: readonly CID[]
  /** Op nodes by CID string. */
  readonly nodes: ReadonlyMap<string, GraphNode>
  /** For each op node (by CID string), the op nodes it depends on, directly or through a produced tensor. */
  readonly dependencies: ReadonlyMap<string, readonly CID[]>
  /** Input tensors no known op produced, sorted by CID string. */
  readonly leaves: readonly CID[]
  /** Op node CIDs, every node after all it depends on. */
  readonly order: readonly CID[]
}

/** One op in a provenance chain. */
export interface ProvenanceStep {
  readonly node: CID
  readonly op: string
  readonly inputs: readonly CID[]
  readonly attrs: Readonly<Record<string, AttrValue>>
  readonly output?: CID
}

/** How a tensor came to be: the ops that produced it in topological order, and the leaf tensors they started from. */
export interface Provenance {
  readonly target: CID
  /** The op node that produced the target, if any. */
  readonly producer?: CID
  readonly steps: readonly ProvenanceStep[]
  readonly leaves: readonly CID[]
}

/** What `evaluate` returns: the result tensor, and the CID under which each op's result was stored. */
export interface Evaluation {
  readonly value: Tensor
  readonly cid: CID
  readonly outputs: ReadonlyMap<string, CID>
}

type Resolved = { kind: 'node'; node: GraphNode } | { kind: 'leaf' }

/** A content-addressed computation graph over a Blockstore. */
export class ComputationGraphStore {
  readonly blockstore: Blockstore
  readonly #maxNodes: number
  /** tensor CID string → the op node CID that produced it (first claim wins). */
  readonly #producers = new Map<string, CID>()
  readonly #cache = new Map<string, Resolved>()

  constructor(init: ComputationGraphStoreInit) {
    this.blockstore = init.blockstore
    this.#maxNodes = init.maxNodes ?? 1_000_000
  }

  /** Stores an F32 tensor as a DAG-CBOR block and returns its CID. */
  async putTensor(tensor: Tensor, options: GraphCallOptions = {}): Promise<CID> {
    const bytes = encodeTensor(tensor)
    const cid = CID.createV1(dagCbor.code, await sha256.digest(bytes))
    await this.blockstore.put(cid, bytes, options)
    return cid
  }

  /** Reads a tensor block (DAG-CBOR `{dtype, shape, data}` or raw little-endian float32s). */
  async getTensor(cid: CID, options: GraphCallOptions = {}): Promise<Tensor> {
    const bytes = await this.#read(cid, options)
    if (cid.code === raw.code) return rawTensor(bytes, cid.toString())
    if (cid.code !== dagCbor.code) throw new InvalidGraphNodeError(`${cid} is neither a DAG-CBOR nor a raw tensor`)
    return decodeTensor(this.#decode(cid, bytes), cid.toString())
  }

  /**
   * Adds an op node after checking it is well formed (`ERR_INVALID_GRAPH_NODE`) and that every input and its output
   * exist (`ERR_MISSING_NODE`). Returns its CID; adding the same node twice gives the same CID.
   */
  async addNode(input: GraphNodeInput, options: GraphCallOptions = {}): Promise<CID> {
    const node = validateNode({ ...input, attrs: input.attrs ?? {} })
    const bytes = encodeNode(node)
    for (const dep of node.inputs)
      if (!(await this.blockstore.has(dep, options))) throw new MissingNodeError(dep.toString(), `input of ${node.op}`)
    if (node.output !== undefined) {
      if (node.inputs.some((c) => c.equals(node.output)))
        throw new InvalidGraphNodeError(`${node.op} names one of its inputs as its output`)
      if (!(await this.blockstore.has(node.output, options)))
        throw new MissingNodeError(node.output.toString(), `output of ${node.op}`)
    }
    const cid = CID.createV1(dagCbor.code, await sha256.digest(bytes))
    await this.blockstore.put(cid, bytes, options)
    this.#cache.set(cid.toString(), { kind: 'node', node })
    if (node.output !== undefined) this.#claim(node.output, cid)
    return cid
  }

  /** Reads and validates one op node. */
  async getNode(cid: CID, options: GraphCallOptions = {}): Promise<GraphNode> {
    const r = await this.#resolve(cid, options)
    if (r.kind !== 'node') throw new InvalidGraphNodeError(`${cid} is a tensor, not an op node`)
    return r.node
  }

  /** The op node known to have produced `tensor` (from `addNode`, `evaluate` or `index`). */
  producerOf(tensor: CID): CID | undefined {
    return this.#producers.get(tensor.toString())
  }

  /** Loads the graphs under `roots` and records which op produced which tensor, e.g. after reopening a store. */
  async index(roots: readonly CID[], options: GraphCallOptions = {}): Promise<ComputationGraph> {
    const graph = await this.subgraph(roots, options)
    for (const cid of graph.order) {
      const node = graph.nodes.get(cid.toString())
      if (node?.output !== undefined) this.#claim(node.output, cid)
    }
    return graph
  }

  /**
   * The part of the graph that `outputs` (op nodes, or tensors with a known producer) depend on, validated on
   * load: every block hash-checked and well formed, every reference present, and no cycle (`ERR_GRAPH_CYCLE`).
   */
  async subgraph(outputs: readonly CID[], options: GraphCallOptions = {}): Promise<ComputationGraph> {
    const nodes = new Map<string, GraphNode>()
    const nodeCids = new Map<string, CID>()
    const dependencies = new Map<string, CID[]>()
    const leaves = new Map<string, CID>()
    const stack: CID[] = []
    const start = async (cid: CID) => {
      const target = await this.#nodeFor(cid, options)
      if (target === undefined) leaves.set(cid.toString(), cid)
      else stack.push(target)
    }
    for (const out of outputs) await start(out)
    while (stack.length > 0) {
      options.signal?.throwIfAborted()
      const cid = stack.pop()!
      const key = cid.toString()
      if (nodes.has(key)) continue
      const r = await this.#resolve(cid, options)
      if (r.kind !== 'node') throw new InvalidGraphNodeError(`${key} is not an op node`)
      nodes.set(key, r.node)
      nodeCids.set(key, cid)
      if (nodes.size > this.#maxNodes) throw new GraphTooLargeError(this.#maxNodes)
      const deps: CID[] = []
      for (const input of r.node.inputs) {
        const dep = await this.#nodeFor(input, options, `input of ${r.node.op} ${key}`)
        if (dep === undefined) leaves.set(input.toString(), input)
        else {
          if (!deps.some((d) => d.equals(dep))) deps.push(dep)
          if (!nodes.has(dep.toString())) stack.push(dep)
        }
      }
      dependencies.set(key, deps)
    }
    const order = topologicalOrder(nodeCids, dependencies)
    const sortedLeaves = [...leaves.keys()].sort().map((k) => leaves.get(k)!)
    return { outputs: [...outputs], nodes, dependencies, leaves: sortedLeaves, order }
  }

  /** The op nodes `outputs` depend on, each after its dependencies; ties broken by CID string. */
  async topologicalOrder(outputs: readonly CID[], options: GraphCallOptions = {}): Promise<CID[]> {
    return [...(await this.subgraph(outputs, options)).order]
  }

  /** Which inputs and ops produced `target` (a tensor or an op node), back to the leaf tensors. */
  async provenance(target: CID, options: GraphCallOptions = {}): Promise<Provenance> {
    const producer = await this.#nodeFor(target, options)
    if (producer === undefined) return { target, steps: [], leaves: [target] }
    const graph = await this.subgraph([target], options)
    const steps = graph.order.map((cid): ProvenanceStep => {
      const node = graph.nodes.get(cid.toString())!
      const step = { node: cid, op: node.op, inputs: node.inputs, attrs: node.attrs }
      return node.output === undefined ? step : { ...step, output: node.output }
    })
    return { target, producer, steps, leaves: graph.leaves }
  }

  /**
   * Runs the graph under `output` with `ops` (the built-ins by default). Leaves are read as tensors; every op's result
   * is stored as a tensor block and recorded as produced by its node, so `provenance(result.cid)` works afterwards.
   */
  async evaluate(
    output: CID,
    options: GraphCallOptions & { ops?: ReadonlyMap<string, OpFn> } = {},
  ): Promise<Evaluation> {
    const ops = options.ops ?? defaultOps()
    const graph = await this.subgraph([output], options)
    for (const node of graph.nodes.values()) if (!ops.has(node.op)) throw new UnknownOpError(node.op)
    const values = new Map<string, Tensor>()
    for (const leaf of graph.leaves) values.set(leaf.toString(), await this.getTensor(leaf, options))
    const outputs = new Map<string, CID>()
    let last: { value: Tensor; cid: CID } | undefined
    for (const cid of graph.order) {
      options.signal?.throwIfAborted()
      const key = cid.toString()
      const node = graph.nodes.get(key)!
      const args: Tensor[] = []
      for (const input of node.inputs) {
        const k = input.toString()
        const produced = this.#producers.get(k)
        const v = values.get(k) ?? (produced === undefined ? undefined : values.get(produced.toString()))
        if (v === undefined) throw new MissingNodeError(k, `value for ${node.op}`)
        args.push(v)
      }
      const value = ops.get(node.op)!(args, node.attrs)
      const tensorCid = await this.putTensor(value, options)
      values.set(key, value)
      outputs.set(key, tensorCid)
      this.#claim(tensorCid, cid)
      last = { value, cid: tensorCid }
    }
    if (last === undefined) {
      const value = await this.getTensor(output, options)
      return { value, cid: output, outputs }
    }
    const target = (await this.#nodeFor(output, options))!
    const cid = outputs.get(target.toString())!
    return { value: values.get(target.toString())!, cid, outputs }
  }

  #claim(tensor: CID, node: CID): void {
    const key = tensor.toString()
    if (!this.#producers.has(key)) this.#producers.set(key, node)
  }

  /** The op node behind `cid`: itself if it is a node, its producer if it is a produced tensor, else undefined. */
  async #nodeFor(cid: CID, options: GraphCallOptions, context?: string): Promise<CID | undefined> {
    const r = await this.#resolve(cid, options, context)
    if (r.kind === 'node') return cid
    return this.#producers.get(cid.toString())
  }

  async #resolve(cid: CID, options: GraphCallOptions, context?: string): Promise<Resolved> {
    const key = cid.toString()
    const cached = this.#cache.get(key)
    if (cached !== undefined) return cached
    let r: Resolved = { kind: 'leaf' }
    if (cid.code === dagCbor.code) {
      const value = this.#decode(cid, await this.#read(cid, options, context))
      if (isNodeLike(value)) r = { kind: 'node', node: validateNode(value, key) }
    } else if (!(await this.blockstore.has(cid, options))) throw new MissingNodeError(key, context)
    this.#cache.set(key, r)
    return r
  }

  #decode(cid: CID, bytes: Uint8Array): unknown {
    try {
      return dagCbor.decode(bytes)
    } catch (err) {
      throw new InvalidGraphNodeError(`${cid} does not decode as DAG-CBOR`, { cause: err })
    }
  }

  async #read(cid: CID, options: GraphCallOptions, context?: string): Promise<Uint8Array> {
    const parts: Uint8Array[] = []
    try {
      for await (const part of this.blockstore.get(cid, options)) parts.push(part)
    } catch (err) {
      if ((err as { name?: unknown }).name === 'NotFoundError') throw new MissingNodeError(cid.toString(), context)
      throw err
    }
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts)
    if (!hashMatches(cid, bytes)) throw new InvalidGraphNodeError(`block bytes do not hash to ${cid}`)
    return bytes
  }
}

/**
 * Kahn's algorithm over op nodes: `dependencies` maps each node (CID string) to the nodes it needs. Ready nodes leave
 * in CID-string order, so the result is the same on every machine. Throws `ERR_GRAPH_CYCLE` if nodes remain.
 */
export function topologicalOrder(
  nodes: ReadonlyMap<string, CID>,
  dependencies: ReadonlyMap<string, readonly CID[]>,
): CID[] {
  const waiting = new Map<string, number>()
  const dependents = new Map<string, string[]>()
  for (const key of nodes.keys()) {
    const deps = dependencies.get(key) ?? []
    waiting.set(key, deps.length)
    for (const d of deps) {
      const list = dependents.get(d.toString())
      if (list === undefined) dependents.set(d.toString(), [key])
      else list.push(key)
    }
  }
  const ready = new MinHeap()
  for (const [key, n] of waiting) if (n === 0) ready.push(key)
  const order: CID[] = []
  for (let key = ready.pop(); key !== undefined; key = ready.pop()) {
    order.push(nodes.get(key)!)
    for (const next of dependents.get(key) ?? []) {
      const n = waiting.get(next)! - 1
      waiting.set(next, n)
      if (n === 0) ready.push(next)
    }
  }
  if (order.length !== nodes.size) throw new GraphCycleError(nodes.size - order.length)
  return order
}

/** A binary min-heap of strings (code-unit order). */
class MinHeap {
  readonly #a: string[] = []
  push(x: string): void {
    const a = this.#a
    a.push(x)
    let i = a.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (a[p]! <= x) break
      a[i] = a[p]!
      i = p
    }
    a[i] = x
  }
  pop(): string | undefined {
    const a = this.#a
    const top = a[0]
    const last = a.pop()
    if (a.length === 0 || last === undefined) return top
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      if (l >= a.length) break
      const c = l + 1 < a.length && a[l + 1]! < a[l]! ? l + 1 : l
      if (a[c]! >= last) break
      a[i] = a[c]!
      i = c
    }
    a[i] = last
    return top
  }
}
