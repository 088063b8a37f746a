/**
 * The CLI's own entry point, the one `dist/cli.js` is bundled from
 * (`main.ts` runs the same CLI from source).
 * @module
 */

import { runCli } from "./main.ts";

Deno.exit(await runCli(Deno.args));
