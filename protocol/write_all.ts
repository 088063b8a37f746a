/**
 * Complete writes, shared by the shim, the daemon and the CLI. A socket,
 * pipe or file `write()` may take only part of what it is given (a unix
 * socket takes ~200 KB at a time): every write of berth goes through here.
 * @module
 */

/** Anything with Deno's `write` (a connection, a file, stdout). */
export interface PartialWriter {
  write(data: Uint8Array): Promise<number>;
}

/** Write every byte of `data` to `writer`, however many calls that takes. */
export async function writeAll(writer: PartialWriter, data: Uint8Array): Promise<void> {
  for (let written = 0; written < data.length;) {
    written += await writer.write(data.subarray(written));
  }
}

/** Anything with Deno's `writeSync` (stdout, stderr, a file). */
export interface PartialSyncWriter {
  writeSync(data: Uint8Array): number;
}

/** {@link writeAll}, synchronously (the terminal, a log line). */
export function writeAllSync(writer: PartialSyncWriter, data: Uint8Array): void {
  for (let written = 0; written < data.length;) {
    written += writer.writeSync(data.subarray(written));
  }
}
