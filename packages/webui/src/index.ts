/**
 * The web UI's built static files. `@ipfrs/interface` serves this folder at `/webui` on the API port; nothing in it is
 * fetched from elsewhere at run time.
 */
import { fileURLToPath } from 'node:url'

/** The folder holding `index.html` and the bundled script and styles (absolute path). */
export const webuiRoot: string = fileURLToPath(new URL('./static/', import.meta.url))

/** The files in `webuiRoot` and their content types: the only names the server hands out. */
export const WEBUI_FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
}
