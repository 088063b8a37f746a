/**
 * The daemon's own entry point, the one `dist/daemon.js` is bundled from
 * (`main.ts daemon` runs the same daemon from source).
 * @module
 */

import { runDaemon } from "./daemon.ts";

Deno.exit(await runDaemon(Deno.args));
