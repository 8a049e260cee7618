import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

/** The repo path: `$IPFRS_PATH`, else `~/.ipfrs`. */
export function defaultRepoPath(): string {
  return resolve(process.env.IPFRS_PATH ?? join(homedir(), '.ipfrs'))
}
