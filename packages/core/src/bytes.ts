/**
 * Joins byte pieces into one Uint8Array: the piece itself when there is only one (no copy), else one copy of each.
 * `length` is their total when the caller has already counted it.
 */
export function concatBytes(parts: readonly Uint8Array[], length?: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array
  const out = new Uint8Array(length ?? parts.reduce((n, p) => n + p.byteLength, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}
