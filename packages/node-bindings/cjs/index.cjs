'use strict'
/**
 * The CommonJS entry of @ipfrs/node-bindings. The implementation is ESM (as are its dependencies); this wrapper
 * loads it with dynamic import() inside start(), so it works on every Node >= 22 without require(esm). The object is
 * usable synchronously after construction; every other call needs a completed start().
 */

/** @type {Promise<any> | undefined} */
let esm

/** Loads the ESM implementation (the same module `import '@ipfrs/node-bindings'` gives). */
function load() {
  esm ??= import('../dist/index.js')
  return esm
}

const METHODS = [
  'putBlock',
  'getBlock',
  'hasBlock',
  'deleteBlock',
  'indexContent',
  'searchSimilar',
  'searchFiltered',
  'addFact',
  'addRule',
  'infer',
  'prove',
  'saveSemanticIndex',
  'loadSemanticIndex',
  'saveKb',
  'loadKb',
  'connect',
  'searchNetwork',
  'inferNetwork',
  'publishRules',
  'fetchRules',
]

function notStarted() {
  const err = new Error('the node is not started: call `await node.start()` first')
  err.code = 'ERR_NOT_STARTED'
  err.name = 'NotStartedError'
  return err
}

/** An IPFRS node for plain JavaScript apps (CommonJS face of the ESM `Node`). */
class Node {
  #config
  #impl
  #starting

  /** `config` is ours (`{ repoPath, ... }`) or the original's (`{ storagePath, enableSemantic, enableTensorlogic }`). */
  constructor(config) {
    const upstream =
      config === undefined ||
      (typeof config === 'object' &&
        config !== null &&
        !('repoPath' in config) &&
        typeof config.storagePath !== 'number')
    if (upstream) {
      this.#config = { ...config }
      return
    }
    if (
      typeof config !== 'object' ||
      config === null ||
      typeof config.repoPath !== 'string' ||
      config.repoPath === ''
    ) {
      const err = new TypeError('invalid config.repoPath: expected a non-empty string')
      err.code = 'ERR_INVALID_PARAMETER'
      throw err
    }
    this.#config = { ...config }
  }

  get config() {
    return this.#impl?.config ?? this.#config
  }

  get isStarted() {
    return this.#impl?.isStarted === true
  }

  async start() {
    this.#starting ??= (async () => {
      const { Node: Impl } = await load()
      const impl = new Impl(this.#config)
      await impl.start()
      this.#impl = impl
    })()
    try {
      await this.#starting
    } catch (err) {
      this.#starting = undefined
      throw err
    }
    await this.#impl.start()
  }

  async stop() {
    this.#starting = undefined
    await this.#impl?.stop()
  }

  kbStats() {
    if (this.#impl === undefined) throw notStarted()
    return this.#impl.kbStats()
  }

  get peerId() {
    if (this.#impl === undefined) throw notStarted()
    return this.#impl.peerId
  }

  addresses() {
    if (this.#impl === undefined) throw notStarted()
    return this.#impl.addresses()
  }

  static {
    for (const name of METHODS) {
      Object.defineProperty(Node.prototype, name, {
        value: function (...args) {
          if (this.#impl === undefined) return Promise.reject(notStarted())
          return this.#impl[name](...args)
        },
        writable: true,
        configurable: true,
      })
    }
  }
}

module.exports = { Node, load }
