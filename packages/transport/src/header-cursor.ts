/** The signal a header parser gives when the header runs past the bytes it was handed (the caller reads more). */
import { IpfrsError } from '@ipfrs/core'

/**
 * Thrown by `parseGguf` / `parseSafetensorsHeader` when they need the file's first `bytes` bytes to go on. The
 * callers catch it and read more; one that escapes is a bug on our side (500).
 */
export class MoreBytesNeeded extends IpfrsError {
  static override readonly httpStatus = 500
  static readonly code = 'ERR_MORE_BYTES_NEEDED'
  readonly bytes: number
  constructor(bytes: number) {
    super(MoreBytesNeeded.code, `the header needs the first ${bytes} bytes`)
    this.bytes = bytes
  }
}
