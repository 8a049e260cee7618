// logic.mjs: @ipfrs/tensorlogic on its own: a KnowledgeBase and its solver, no node, no network.
// Consult facts and rules (one of them left-recursive, made safe by tabling), ask queries, get a proof tree,
// then snapshot the KB as content-addressed blocks and restore it from its root CID.
// Run: node examples/logic.mjs   (after `pnpm build`)
import { KnowledgeBase, printTerm } from '@ipfrs/tensorlogic'
import { MemoryBlockstore } from 'blockstore-core'

const kb = new KnowledgeBase()
kb.consult(`
  :- table reach/2.
  link(a, b). link(b, c). link(c, d).
  reach(X, Y) :- reach(X, Z), link(Z, Y).
  reach(X, Y) :- link(X, Y).
  parent(tom, bob). parent(bob, ann).
  grandparent(X, Z) :- parent(X, Y), parent(Y, Z).
`)

const reach = await kb.query('reach(a, X)')
console.log(
  'reach(a, X):',
  reach
    .map((a) => printTerm(a.X))
    .sort()
    .join(' '),
)

const gp = await kb.query('grandparent(G, ann)')
console.log('grandparent(G, ann):', gp.map((a) => printTerm(a.G)).join(' '))

const { proof } = await kb.prove('grandparent(tom, ann)')
console.log('proof of grandparent(tom, ann):', proof[0]?.children.map((c) => printTerm(c.goal)).join(', '))

const blocks = new MemoryBlockstore()
const root = await kb.snapshot(blocks)
const restored = await KnowledgeBase.restore(blocks, root)
console.log('snapshot', root.toString(), 'restored stats', JSON.stringify(restored.stats()))
