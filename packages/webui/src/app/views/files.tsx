/**
 * Files: the pinned roots (until MFS exists): browse a directory, upload by drag and drop or a file picker with a
 * progress bar, download, pin/unpin, delete (unpin, then garbage-collect); a CID opens in the gateway.
 */
import { useEffect, useState } from 'preact/hooks'
import { call, describe, formatBytes, json, upload } from '../api.js'
import { Head } from '../components.js'
import { gatewayUrl } from '../gateway.js'

interface Row {
  cid: string
  name: string
  type: 'file' | 'directory' | '?'
  size: number | undefined
  pinned: boolean
}

const NAMES_KEY = 'ipfrs-webui-names'

function names(): Record<string, string> {
  try {
    return JSON.parse(localStorage.getItem(NAMES_KEY) ?? '{}') as Record<string, string>
  } catch {
    return {}
  }
}

function rememberName(cid: string, name: string): void {
  localStorage.setItem(NAMES_KEY, JSON.stringify({ ...names(), [cid]: name }))
}

async function statRow(cid: string, name: string, pinned: boolean): Promise<Row> {
  try {
    const s = await json<{ Size: number; Type: string }>('files/stat', { arg: `/ipfs/${cid}` })
    return { cid, name, pinned, size: s.Size, type: s.Type === 'directory' ? 'directory' : 'file' }
  } catch {
    return { cid, name, pinned, size: undefined, type: '?' }
  }
}

async function loadRoots(unpinned: string[]): Promise<Row[]> {
  const pins = await json<{ Keys: Record<string, { Type: string }> }>('pin/ls', { type: 'recursive' })
  const known = names()
  const cids = Object.keys(pins.Keys)
  const rows = await Promise.all(cids.map((c) => statRow(c, known[c] ?? '', true)))
  const extra = await Promise.all(
    unpinned.filter((c) => !cids.includes(c)).map((c) => statRow(c, known[c] ?? '', false)),
  )
  return [...rows, ...extra].sort((a, b) => (a.name || a.cid).localeCompare(b.name || b.cid))
}

async function loadDir(cid: string): Promise<Row[]> {
  const body = await json<{
    Objects: Array<{ Links: Array<{ Name: string; Hash: string; Size: number; Type: number }> }>
  }>('ls', { arg: cid })
  return (body.Objects[0]?.Links ?? []).map((l) => ({
    cid: l.Hash,
    name: l.Name,
    size: l.Size,
    type: l.Type === 1 ? 'directory' : 'file',
    pinned: false,
  }))
}

/** Saves a response body as a file the browser downloads. */
async function download(row: Row): Promise<void> {
  const res =
    row.type === 'directory' ? await call('get', { arg: row.cid, archive: true }) : await call('cat', { arg: row.cid })
  const url = URL.createObjectURL(await res.blob())
  const a = document.createElement('a')
  a.href = url
  a.download = `${row.name || row.cid}${row.type === 'directory' ? '.tar' : ''}`
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export function FilesView() {
  const [path, setPath] = useState<Row[]>([]) // the directories browsed into, from a root
  const [rows, setRows] = useState<Row[] | undefined>(undefined)
  const [unpinned, setUnpinned] = useState<string[]>([])
  const [error, setError] = useState('')
  const [status, setStatus] = useState('')
  const [progress, setProgress] = useState<{ sent: number; total: number } | undefined>(undefined)
  const [dragging, setDragging] = useState(false)
  const [gateway, setGateway] = useState('')
  const [epoch, setEpoch] = useState(0)
  const here = path.at(-1)
  useEffect(() => {
    void gatewayUrl().then(setGateway)
  }, [])
  useEffect(() => {
    let stale = false
    ;(here == null ? loadRoots(unpinned) : loadDir(here.cid)).then(
      (r) => {
        if (stale) return
        setRows(r)
        setError('')
      },
      (err) => !stale && setError(describe(err)),
    )
    return () => {
      stale = true
    }
  }, [here?.cid, epoch])

  const act = async (what: string, fn: () => Promise<void>) => {
    setStatus(`${what}…`)
    try {
      await fn()
      setStatus(`${what}: done`)
      setError('')
    } catch (err) {
      setStatus('')
      setError(`${what} failed: ${describe(err)}`)
    }
    setEpoch((n) => n + 1)
  }

  const uploadFiles = (files: FileList | null) => {
    if (files == null || files.length === 0) return
    const list = [...files]
    const total = list.reduce((n, f) => n + f.size, 0)
    void act(`Uploading ${list.map((f) => f.name).join(', ')}`, async () => {
      let done = 0
      for (const file of list) {
        const form = new FormData()
        form.append('file', file, file.name)
        const text = await upload('add', { pin: true, 'cid-version': 1, 'raw-leaves': true }, form, (sent) =>
          setProgress({ sent: done + Math.min(sent, file.size), total }),
        )
        const last = text.trim().split('\n').at(-1)
        if (last != null) rememberName((JSON.parse(last) as { Hash: string }).Hash, file.name)
        done += file.size
      }
      setProgress(undefined)
      setPath([])
    })
  }

  return (
    <>
      <section
        class={`dropzone${dragging ? ' dragging' : ''}`}
        aria-label="Upload"
        onDragOver={(e) => {
          e.preventDefault()
          setDragging(true)
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault()
          setDragging(false)
          uploadFiles(e.dataTransfer?.files ?? null)
        }}
      >
        <p>Drop files here to add and pin them, or</p>
        <label for="file-picker">Choose files to upload</label>
        <input
          id="file-picker"
          type="file"
          multiple
          onChange={(e) => {
            uploadFiles(e.currentTarget.files)
            e.currentTarget.value = ''
          }}
        />
        {progress != null && (
          <p>
            <label for="upload-progress">Upload progress</label>{' '}
            <progress id="upload-progress" max={progress.total} value={progress.sent} /> {formatBytes(progress.sent)} of{' '}
            {formatBytes(progress.total)}
          </p>
        )}
      </section>
      {status !== '' && <output class="status-line">{status}</output>}
      {error !== '' && <p class="error">{error}</p>}
      <nav aria-label="Folder" class="crumbs">
        <button type="button" onClick={() => setPath([])} disabled={here == null}>
          Pinned roots
        </button>
        {path.map((d, i) => (
          <button
            key={d.cid}
            type="button"
            onClick={() => setPath(path.slice(0, i + 1))}
            disabled={i === path.length - 1}
          >
            / {d.name || short(d.cid)}
          </button>
        ))}
      </nav>
      {rows == null ? (
        <p>Loading…</p>
      ) : rows.length === 0 ? (
        <p>{here == null ? 'Nothing pinned yet: upload a file.' : 'This folder is empty.'}</p>
      ) : (
        <table class="files">
          <Head cols={['Name / CID', 'Size', 'Actions']} />
          <tbody>
            {rows.map((r) => (
              <tr key={r.cid + r.name} data-cid={r.cid}>
                <td>
                  {r.type === 'directory' ? (
                    <button type="button" class="link" onClick={() => setPath([...path, r])}>
                      📁 {r.name || short(r.cid)}
                    </button>
                  ) : (
                    <span>{r.name || '(unnamed)'}</span>
                  )}
                  <br />
                  <a
                    class="mono cid"
                    href={gateway === '' ? undefined : `${gateway}/ipfs/${r.cid}`}
                    target="_blank"
                    rel="noopener"
                  >
                    {r.cid}
                  </a>
                  {here == null && !r.pinned && <em> (not pinned)</em>}
                </td>
                <td>{r.size == null ? '?' : formatBytes(r.size)}</td>
                <td class="actions">
                  <button
                    type="button"
                    aria-label={`Download ${r.name || r.cid}`}
                    onClick={() => act('Download', () => download(r))}
                  >
                    Download
                  </button>
                  {here == null &&
                    (r.pinned ? (
                      <button
                        type="button"
                        aria-label={`Unpin ${r.name || r.cid}`}
                        onClick={() =>
                          act('Unpin', async () => {
                            await call('pin/rm', { arg: r.cid })
                            setUnpinned([...unpinned, r.cid])
                          })
                        }
                      >
                        Unpin
                      </button>
                    ) : (
                      <button
                        type="button"
                        aria-label={`Pin ${r.name || r.cid}`}
                        onClick={() => act('Pin', async () => void (await call('pin/add', { arg: r.cid })))}
                      >
                        Pin
                      </button>
                    ))}
                  {here == null && (
                    <button
                      type="button"
                      class="danger"
                      aria-label={`Delete ${r.name || r.cid}`}
                      onClick={() => {
                        if (
                          !confirm(
                            `Delete ${r.name || r.cid}? It is unpinned and every unpinned block is garbage-collected.`,
                          )
                        )
                          return
                        void act('Delete', async () => {
                          if (r.pinned) await call('pin/rm', { arg: r.cid })
                          await call('repo/gc', { quiet: true })
                          setUnpinned(unpinned.filter((c) => c !== r.cid))
                        })
                      }}
                    >
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  )
}

function short(cid: string): string {
  return `${cid.slice(0, 8)}…${cid.slice(-6)}`
}
