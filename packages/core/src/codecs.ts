import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import type { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { UnsupportedCodecError } from './errors.js'

/** A block codec: turns values into bytes and back. */
export interface Codec<T = unknown> {
  readonly name: string
  readonly code: number
  encode(value: T): Uint8Array
  decode(bytes: Uint8Array): T
}

/** The codecs every IPFRS node understands, by multicodec code. */
export const CODECS: ReadonlyMap<number, Codec> = new Map<number, Codec>([
  [raw.code, raw as Codec],
  [dagPb.code, dagPb as unknown as Codec],
  [dagCbor.code, dagCbor as Codec],
  [dagJson.code, dagJson as Codec],
])

/** Multicodec codes by name, for flags such as `--format dag-cbor`. */
export const CODEC_CODES = {
  raw: raw.code,
  'dag-pb': dagPb.code,
  'dag-cbor': dagCbor.code,
  'dag-json': dagJson.code,
} as const
export type CodecName = keyof typeof CODEC_CODES

/** The codec for a multicodec code or name; throws `UnsupportedCodecError` for anything else. */
export function getCodec(codeOrName: number | string): Codec {
  const code = typeof codeOrName === 'number' ? codeOrName : CODEC_CODES[codeOrName as CodecName]
  const codec = code === undefined ? undefined : CODECS.get(code)
  if (codec == null) throw new UnsupportedCodecError(codeOrName)
  return codec
}

/** The name of a codec code (`0x70` → `dag-pb`), or its hex form when unknown. */
export function codecName(code: number): string {
  return CODECS.get(code)?.name ?? `0x${code.toString(16)}`
}

/**
 * The CIDs a block links to, in order. Raw blocks have none; dag-pb lists its `Links`;
 * dag-cbor and dag-json yield every CID found anywhere in the decoded value.
 */
export function* blockLinks(cid: CID, bytes: Uint8Array): Generator<CID> {
  switch (cid.code) {
    case raw.code:
      return
    case dagPb.code:
      for (const link of dagPb.decode(bytes).Links) yield link.Hash
      return
    default:
      yield* valueLinks(getCodec(cid.code).decode(bytes))
  }
}

function* valueLinks(value: unknown): Generator<CID> {
  if (value == null || typeof value !== 'object') return
  const asCid = (value as { asCID?: unknown }).asCID
  if (asCid === value) {
    yield value as CID
    return
  }
  if (value instanceof Uint8Array) return
  for (const child of Array.isArray(value) ? value : Object.values(value)) yield* valueLinks(child)
}
