/**
 * berth's one entry: `berth daemon ...` runs the daemon, every other
 * subcommand is the CLI. Each side is loaded on demand so the CLI starts
 * without the daemon's modules.
 * @module
 */

if (import.meta.main) {
  const [command, ...rest] = Deno.args;
  if (command === "daemon") {
    const { runDaemon } = await import("./runtime/daemon.ts");
    Deno.exit(await runDaemon(rest));
  } else {
    const { runCli } = await import("./cli/main.ts");
    Deno.exit(await runCli(Deno.args));
  }
}
