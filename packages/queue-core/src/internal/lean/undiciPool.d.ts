/**
 * undici's `Pool` from its own module: the package's index also loads fetch, WebSocket, the
 * cache and the mock agent, about 15 MB of resident memory a process never uses here (undici is
 * pinned to one version in the catalog, so this path does not move under us).
 */
declare module "undici/lib/dispatcher/pool.js" {
  import { Pool } from "undici"
  export default Pool
}
