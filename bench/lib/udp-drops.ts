import { readFileSync } from 'node:fs'

/**
 * UDP datagrams the kernel has dropped so far because the receiving socket's buffer was full (`RcvbufErrors` in
 * /proc/net/snmp; every socket on the machine, not only this process's), or undefined where there is no such file.
 */
export function udpReceiveBufferDrops(): number | undefined {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('Udp:'))
    const names = lines[0]?.split(/\s+/) ?? []
    const values = lines[1]?.split(/\s+/) ?? []
    const at = names.indexOf('RcvbufErrors')
    return at > 0 ? Number(values[at]) : undefined
  } catch {
    return undefined
  }
}
