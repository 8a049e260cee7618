import { IpfrsError } from '@ipfrs/core'

/** A call got an argument of the wrong type or shape (`ERR_INVALID_PARAMETER`). */
export class InvalidArgumentError extends IpfrsError {
  static readonly code = 'ERR_INVALID_PARAMETER'
  constructor(name: string, problem: string) {
    super(InvalidArgumentError.code, `invalid ${name}: ${problem}`)
  }
}

/** A call was made before `start()` or after `stop()` (`ERR_NOT_STARTED`). */
export class NotStartedError extends IpfrsError {
  static readonly code = 'ERR_NOT_STARTED'
  constructor() {
    super(NotStartedError.code, 'the node is not started: call `await node.start()` first')
  }
}

/** An exported semantic-index file is not in the format `saveSemanticIndex(path)` writes (`ERR_INVALID_INDEX_FILE`). */
export class InvalidIndexFileError extends IpfrsError {
  static readonly code = 'ERR_INVALID_INDEX_FILE'
  constructor(path: string, problem: string, options?: { cause?: unknown }) {
    super(InvalidIndexFileError.code, `invalid semantic index file ${path}: ${problem}`, options)
  }
}
