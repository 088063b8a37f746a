/**
 * The libc calls the daemon makes through FFI: mount(2) and umount2(2) for
 * container root filesystems, and getrlimit(2) (Deno refuses to read
 * /proc/self/limits without --allow-all). Opened with the path the daemon's
 * `--allow-ffi` names.
 * @module
 */

const symbols = {
  mount: { parameters: ["buffer", "buffer", "buffer", "u64", "buffer"], result: "i32" },
  umount2: { parameters: ["buffer", "i32"], result: "i32" },
  __errno_location: { parameters: [], result: "usize" },
  // memcpy from a raw address reads errno without Deno.UnsafePointerView,
  // which needs an unscoped --allow-ffi.
  copyFromAddress: { name: "memcpy", parameters: ["buffer", "usize", "usize"], result: "usize" },
  strerror: { parameters: ["i32"], result: "usize" },
  getrlimit: { parameters: ["i32", "buffer"], result: "i32" },
  close_range: { parameters: ["u32", "u32", "i32"], result: "i32" },
  strlen: { parameters: ["usize"], result: "usize" },
} as const;

type Libc = Deno.DynamicLibrary<typeof symbols>["symbols"];

/** Where libc lives on common distributions. */
export const LIBC_CANDIDATES = [
  "/lib/x86_64-linux-gnu/libc.so.6",
  "/usr/lib/x86_64-linux-gnu/libc.so.6",
  "/lib/aarch64-linux-gnu/libc.so.6",
  "/usr/lib/aarch64-linux-gnu/libc.so.6",
  "/lib64/libc.so.6",
  "/usr/lib64/libc.so.6",
  "/usr/lib/libc.so.6",
];

let libc: Libc | undefined;
let libcPath = "";

/** Find and open libc; returns its path (also handed to shims). */
export function openLibc(): string {
  if (libc) return libcPath;
  for (const candidate of LIBC_CANDIDATES) {
    try {
      libc = Deno.dlopen(candidate, symbols).symbols;
      libcPath = candidate;
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error(`libc not found in ${LIBC_CANDIDATES.join(", ")}`);
}

function lib(): Libc {
  if (!libc) openLibc();
  return libc!;
}

function cString(text: string): Uint8Array {
  return new TextEncoder().encode(text + "\0");
}

/** The errno of the last call and its text. */
function lastError(): { code: number; text: string } {
  const value = new Int32Array(1);
  lib().copyFromAddress(new Uint8Array(value.buffer), lib().__errno_location(), 4n);
  const code = value[0];
  const address = lib().strerror(code);
  const length = Number(lib().strlen(address));
  const bytes = new Uint8Array(Math.max(length, 1));
  lib().copyFromAddress(bytes, address, BigInt(length));
  return { code, text: new TextDecoder().decode(bytes.subarray(0, length)) };
}

/** A failed system call, with errno. */
export class SyscallError extends Error {
  constructor(call: string, readonly code: number, text: string) {
    super(`${call}: ${text}`);
  }
}

/** mount(2). */
export function mount(
  source: string,
  target: string,
  fstype: string,
  flags: number,
  data: string,
): void {
  if (
    lib().mount(cString(source), cString(target), cString(fstype), BigInt(flags), cString(data)) !==
      0
  ) {
    const { code, text } = lastError();
    throw new SyscallError(`mount ${fstype} on ${target}`, code, text);
  }
}

/** umount2(2) flag: detach now, clean up when no longer busy. */
export const MNT_DETACH = 2;

/** umount2(2); a target that is not mounted (EINVAL) is not an error. */
export function unmount(target: string, flags = 0): void {
  if (lib().umount2(cString(target), flags) !== 0) {
    const { code, text } = lastError();
    if (code === 22 /* EINVAL: not a mount point */) return;
    if (code === 2 /* ENOENT */) return;
    throw new SyscallError(`umount ${target}`, code, text);
  }
}

/** getrlimit(2): [soft, hard], Infinity for RLIM_INFINITY. */
export function getrlimit(resource: number): [number, number] {
  const values = new BigUint64Array(2);
  if (lib().getrlimit(resource, new Uint8Array(values.buffer)) !== 0) {
    const { code, text } = lastError();
    throw new SyscallError(`getrlimit(${resource})`, code, text);
  }
  const toNumber = (value: bigint) => value === 0xffffffffffffffffn ? Infinity : Number(value);
  return [toNumber(values[0]), toNumber(values[1])];
}

const CLOSE_RANGE_CLOEXEC = 4;

/**
 * Mark every descriptor above stderr close-on-exec. node:http's listening
 * socket (and anything the daemon inherited) is not, and a shim that
 * inherited the API socket would keep it listening after the daemon dies.
 */
export function closeOnExecAll(): void {
  lib().close_range(3, 0xffffffff, CLOSE_RANGE_CLOEXEC);
}
