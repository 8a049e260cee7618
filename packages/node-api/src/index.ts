/**
 * @ipfrs/node-api: the IPFRS node contract. Types only: `ipfrs`'s `Node` implements {@link LocalNodeApi}, the CLI's
 * daemon client implements {@link NodeApi}, and `@ipfrs/interface` serves whatever implements them.
 */
export type * from './blocks.js'
export type * from './content.js'
export type * from './keys.js'
export type * from './logic.js'
export type * from './mfs.js'
export type * from './names.js'
export type * from './network.js'
export type * from './node.js'
export type * from './options.js'
export type * from './pubsub.js'
export type * from './repo.js'
export type * from './semantic.js'
export type * from './tensor.js'
