/**
 * The core of berth's libc bindings (FFI), shared by the shim and the
 * daemon: opening libc with the core symbols plus a side's own, errno and
 * its text, whole reads of small files and directory listings (Deno
 * refuses /proc and /sys without --allow-all), close-on-exec of inherited
 * descriptors, and kill(2). Each side declares only the symbols only it
 * needs (`shim/libc.ts`, `runtime/system/libc.ts`).
 *
 * errno is only readable after synchronous calls (on the calling thread).
 * @module
 */

/** The symbols both sides use. */
export const CORE_SYMBOLS = {
  __errno_location: { parameters: [], result: "usize" },
  // memcpy from a raw address reads errno and strerror's text without
  // Deno.UnsafePointerView, which needs an unscoped --allow-ffi.
  copyFromAddress: { name: "memcpy", parameters: ["buffer", "usize", "usize"], result: "usize" },
  strerror: { parameters: ["i32"], result: "usize" },
  strlen: { parameters: ["usize"], result: "usize" },
  open: { parameters: ["buffer", "i32"], result: "i32" },
  readNow: { name: "read", parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  getdents64: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close_range: { parameters: ["u32", "u32", "i32"], result: "i32" },
  kill: { parameters: ["i32", "i32"], result: "i32" },
} as const;

/** The opened core symbols. */
export type CoreSymbols = Deno.DynamicLibrary<typeof CORE_SYMBOLS>["symbols"];

const O_RDONLY_CLOEXEC = 0o2000000;
const O_DIRECTORY_CLOEXEC = 0o200000 | 0o2000000;
/** Where the name starts in a linux_dirent64 (after ino, off, reclen, type). */
const DIRENT_NAME_OFFSET = 19;
const CLOSE_RANGE_CLOEXEC = 4;
const EPERM = 1;

/** A NUL-terminated string for a libc call. */
export function cString(text: string): Uint8Array {
  return new TextEncoder().encode(text + "\0");
}

/** A failed system call, with its errno. */
export class SyscallError extends Error {
  constructor(call: string, readonly code: number, text: string) {
    super(`${call}: ${text}`);
  }
}

/** What the core symbols give, over an opened libc. */
export class LibcCore {
  #lib: CoreSymbols;

  constructor(symbols: CoreSymbols) {
    this.#lib = symbols;
  }

  /** errno of the last synchronous call on this thread. */
  errno(): number {
    const value = new Int32Array(1);
    this.#lib.copyFromAddress(new Uint8Array(value.buffer), this.#lib.__errno_location(), 4n);
    return value[0];
  }

  /** errno of the last synchronous call and its text. */
  lastError(): { code: number; text: string } {
    const code = this.errno();
    return { code, text: this.errorText(code) };
  }

  /** strerror(3) of `code`. */
  errorText(code: number): string {
    const address = this.#lib.strerror(code);
    const length = Number(this.#lib.strlen(address));
    const bytes = new Uint8Array(Math.max(length, 1));
    this.#lib.copyFromAddress(bytes, address, BigInt(length));
    return new TextDecoder().decode(bytes.subarray(0, length));
  }

  /** Throw a {@link SyscallError} for `call` unless `result` is 0. */
  check(result: number, call: string): void {
    if (result === 0) return;
    const { code, text } = this.lastError();
    throw new SyscallError(call, code, text);
  }

  /** A small file's text, read whole; undefined when it cannot be read. */
  readSmallFile(path: string): string | undefined {
    const fd = this.#lib.open(cString(path), O_RDONLY_CLOEXEC);
    if (fd < 0) return undefined;
    try {
      const chunks: Uint8Array[] = [];
      for (;;) {
        const buffer = new Uint8Array(16 * 1024);
        const count = Number(this.#lib.readNow(fd, buffer, BigInt(buffer.length)));
        if (count < 0) return undefined;
        if (count === 0) break;
        chunks.push(buffer.subarray(0, count));
      }
      const decoder = new TextDecoder();
      return chunks.map((chunk) => decoder.decode(chunk, { stream: true })).join("") +
        decoder.decode();
    } finally {
      this.#lib.close(fd);
    }
  }

  /** A directory's entry names (without . and ..); empty when it cannot be read. */
  directoryNames(path: string): string[] {
    const fd = this.#lib.open(cString(path), O_DIRECTORY_CLOEXEC);
    if (fd < 0) return [];
    const names: string[] = [];
    const buffer = new Uint8Array(16 * 1024);
    const view = new DataView(buffer.buffer);
    try {
      for (;;) {
        const filled = Number(this.#lib.getdents64(fd, buffer, BigInt(buffer.length)));
        if (filled <= 0) break;
        for (let offset = 0; offset < filled; offset += view.getUint16(offset + 16, true)) {
          const start = offset + DIRENT_NAME_OFFSET;
          const name = new TextDecoder().decode(buffer.subarray(start, buffer.indexOf(0, start)));
          if (name !== "." && name !== "..") names.push(name);
        }
      }
    } finally {
      this.#lib.close(fd);
    }
    return names;
  }

  /**
   * Mark every descriptor above stderr close-on-exec, so nothing this
   * process holds (a listening socket, an inherited pipe) reaches a child.
   */
  closeOnExecAll(): void {
    this.#lib.close_range(3, 0xffffffff, CLOSE_RANGE_CLOEXEC);
  }

  /** Send `signal` to `pid` (kill(2)); false when it is gone (or `pid` is not a process). */
  signal(pid: number, signal: number): boolean {
    if (pid <= 0) return false;
    return this.#lib.kill(pid, signal) === 0;
  }

  /** True while a process with this pid exists, ours or not. */
  processExists(pid: number): boolean {
    if (pid <= 0) return false;
    return this.#lib.kill(pid, 0) === 0 || this.errno() === EPERM;
  }
}

/**
 * Open libc at `path` with the core symbols and `extra` ones; returns the
 * symbols and the core over them.
 */
export function openLibcAt<S extends Deno.ForeignLibraryInterface>(
  path: string,
  extra: S,
): { symbols: Deno.DynamicLibrary<typeof CORE_SYMBOLS & S>["symbols"]; core: LibcCore } {
  const symbols = Deno.dlopen(path, { ...CORE_SYMBOLS, ...extra }).symbols;
  return { symbols, core: new LibcCore(symbols as unknown as CoreSymbols) };
}
