import { describe, expect, it } from 'vitest'
import { ByteLru } from '../src/byte-lru.js'

describe('ByteLru', () => {
  const lru = () => new ByteLru<Uint8Array>(10, (_k, v) => v.byteLength)

  it('drops the least recently used entries once over its byte bound', () => {
    const c = lru()
    c.set('a', new Uint8Array(4))
    c.set('b', new Uint8Array(4))
    expect(c.get('a')).toBeDefined() // a is now the most recent
    c.set('c', new Uint8Array(4)) // 12 > 10: b goes
    expect(c.get('b')).toBeUndefined()
    expect(c.get('a')).toBeDefined()
    expect(c.get('c')).toBeDefined()
    expect(c.bytes).toBe(8)
  })

  it('keeps nothing bigger than its bound, and the first value stored for a key', () => {
    const c = lru()
    c.set('big', new Uint8Array(11))
    expect(c.get('big')).toBeUndefined()
    const first = new Uint8Array([1])
    c.set('k', first)
    c.set('k', new Uint8Array([2]))
    expect(c.get('k')).toBe(first)
    expect(c.bytes).toBe(1)
  })

  it('drops every entry on clear, and keeps new ones afterwards', () => {
    const c = lru()
    c.set('a', new Uint8Array(4))
    c.set('b', new Uint8Array(4))
    c.clear()
    expect(c.get('a')).toBeUndefined()
    expect(c.get('b')).toBeUndefined()
    expect(c.bytes).toBe(0)
    c.set('c', new Uint8Array(10))
    expect(c.get('c')).toBeDefined()
    expect(c.bytes).toBe(10)
  })
})
