import { afterEach, describe, expect, it, vi } from 'vitest'
import { FREE_FRAMES_IDLE_MS, freeFrames, releaseFrame, takeFrame } from '../src/leaf-frames.js'

describe('leaf frames pool', () => {
  afterEach(() => vi.useRealTimers())

  it('reuses a frame given back, and keeps none once no frame was taken for a while', () => {
    vi.useFakeTimers()
    const before = freeFrames()
    const frame = takeFrame(1024)
    releaseFrame(frame)
    expect(freeFrames()).toBe(before + 1)
    // taken again while busy: the same buffer, from the pool
    const again = takeFrame(1024)
    expect(again.buffer).toBe(frame.buffer)
    releaseFrame(again)
    // still in use a moment before the idle period ends: kept
    vi.advanceTimersByTime(FREE_FRAMES_IDLE_MS - 1)
    expect(freeFrames()).toBeGreaterThan(0)
    // one more take restarts the idle period
    releaseFrame(takeFrame(1024))
    vi.advanceTimersByTime(FREE_FRAMES_IDLE_MS - 1)
    expect(freeFrames()).toBeGreaterThan(0)
    vi.advanceTimersByTime(FREE_FRAMES_IDLE_MS)
    expect(freeFrames()).toBe(0)
    // and the pool works again afterwards
    releaseFrame(takeFrame(1024))
    expect(freeFrames()).toBe(1)
  })
})
