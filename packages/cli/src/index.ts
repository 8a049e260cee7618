/** @ipfrs/cli: the `ipfrs` command. `buildProgram()` returns the commander tree for embedding or docs. */
export { buildProgram } from './program.js'
