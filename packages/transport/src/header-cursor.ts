/** The signal a header parser gives when the header runs past the bytes it was handed (the caller reads more). */

/** Thrown by `parseGguf` / `parseSafetensorsHeader` when they need the file's first `bytes` bytes to go on. */
export class MoreBytesNeeded extends Error {
  readonly bytes: number
  constructor(bytes: number) {
    super(`the header needs the first ${bytes} bytes`)
    this.name = 'MoreBytesNeeded'
    this.bytes = bytes
  }
}
