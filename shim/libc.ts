/**
 * The few libc calls the shim needs and Deno has no API for: the child
 * subreaper, waitpid on one known pid, a console socket that receives a file
 * descriptor (SCM_RIGHTS), pty reads and writes, TIOCSWINSZ and pipe sizes.
 *
 * Calls declared `nonblocking` run on a worker thread and return a Promise;
 * errno is only readable after synchronous calls.
 * @module
 */

import { LibcCore, openLibcAt } from "../lib/libc.ts";

/** What only the shim calls (the core's are in lib/libc.ts). */
const symbols = {
  prctl: { parameters: ["i32", "u64", "u64", "u64", "u64"], result: "i32" },
  waitpid: { parameters: ["i32", "buffer", "i32"], result: "i32", nonblocking: true },
  waitpidNow: { name: "waitpid", parameters: ["i32", "buffer", "i32"], result: "i32" },
  getppid: { parameters: [], result: "i32" },
  setpriority: { parameters: ["i32", "u32", "i32"], result: "i32" },
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  listen: { parameters: ["i32", "i32"], result: "i32" },
  accept4: { parameters: ["i32", "pointer", "pointer", "i32"], result: "i32", nonblocking: true },
  recvmsg: { parameters: ["i32", "buffer", "i32"], result: "isize", nonblocking: true },
  shutdown: { parameters: ["i32", "i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize", nonblocking: true },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize", nonblocking: true },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  // memcpy with n = 0 returns the address of a buffer: this stands in for
  // Deno.UnsafePointer, which needs an unscoped --allow-ffi.
  addressOf: { name: "memcpy", parameters: ["buffer", "buffer", "usize"], result: "usize" },
} as const;

type Opened = ReturnType<typeof openLibcAt<typeof symbols>>;

let opened: Opened | undefined;

/** Open libc once; `path` is the absolute path the shim may dlopen. */
export function openLibc(path: string): void {
  opened ??= openLibcAt(path, symbols);
}

function lib(): Opened["symbols"] {
  if (!opened) throw new Error("libc is not open");
  return opened.symbols;
}

function core(): LibcCore {
  if (!opened) throw new Error("libc is not open");
  return opened.core;
}

/** errno of the last synchronous call on this thread. */
export function errno(): number {
  return core().errno();
}

/**
 * The address of a buffer's memory. Only for buffers larger than 64 bytes:
 * V8 may move smaller ones, which live on its heap.
 */
function addressOf(buffer: Uint8Array): bigint {
  if (buffer.byteLength <= 64) throw new Error("buffer too small to pin");
  return BigInt(lib().addressOf(buffer, buffer, 0n));
}

/**
 * Mark every descriptor above stderr close-on-exec, so nothing the shim
 * inherited reaches the runtime or the container.
 */
export function closeOnExecAll(): void {
  core().closeOnExecAll();
}

const PR_SET_CHILD_SUBREAPER = 36;

/** Make orphaned descendants (the container init) children of this process. */
export function becomeSubreaper(): void {
  if (lib().prctl(PR_SET_CHILD_SUBREAPER, 1n, 0n, 0n, 0n) !== 0) {
    throw new Error(`prctl(PR_SET_CHILD_SUBREAPER) failed: errno ${errno()}`);
  }
}

/** How a process ended, decoded from a wait status. */
export interface WaitResult {
  exitCode: number;
  signal?: number;
}

/** Decode a raw wait(2) status. */
export function decodeWaitStatus(status: number): WaitResult {
  const signal = status & 0x7f;
  if (signal === 0) return { exitCode: (status >> 8) & 0xff };
  return { exitCode: 128 + signal, signal };
}

/**
 * Wait for one known child pid to exit and reap it. Never called with -1:
 * that would steal the statuses of Deno's own children.
 */
export async function waitForPid(pid: number): Promise<WaitResult> {
  if (pid <= 0) throw new Error(`refusing to wait for pid ${pid}`);
  const status = new Int32Array(1);
  const statusBytes = new Uint8Array(status.buffer);
  for (;;) {
    if (await lib().waitpid(pid, statusBytes, 0) === pid) return decodeWaitStatus(status[0]);
    // -1 from the worker thread: EINTR, or not our child. Ask again
    // synchronously (WNOHANG) so that errno can be read.
    const again = lib().waitpidNow(pid, statusBytes, WNOHANG);
    if (again === pid) return decodeWaitStatus(status[0]);
    if (again < 0 && errno() === ECHILD) throw new Error(`pid ${pid} is not a child of the shim`);
  }
}

const WNOHANG = 1;
const ECHILD = 10;

/**
 * The numeric entries of a /proc/self directory (read through libc: Deno's
 * permissions refuse /proc without --allow-all).
 */
function procSelfNumbers(dir: "task" | "fd"): number[] {
  return core().directoryNames(`/proc/self/${dir}`).filter((name) => /^\d+$/.test(name)).map(
    Number,
  );
}

const F_SETPIPE_SZ = 1031;
const F_GETPIPE_SZ = 1032;

/** The pipe descriptors this process holds now. */
export function openPipes(): Set<number> {
  return new Set(procSelfNumbers("fd").filter((fd) => lib().fcntl(fd, F_GETPIPE_SZ, 0) > 0));
}

/** Ask for a pipe buffer of `bytes` (best effort: the kernel may refuse). */
export function setPipeSize(fd: number, bytes: number): void {
  lib().fcntl(fd, F_SETPIPE_SZ, bytes);
}

/**
 * Back to normal priority (a pooled shim boots niced). The nice value is
 * per thread on Linux, and Deno's I/O and V8 threads were started niced
 * too, so every thread is reset, not only the calling one.
 */
export function resetPriority(): void {
  lib().setpriority(0, /* PRIO_PROCESS */ 0, 0);
  for (const id of procSelfNumbers("task")) lib().setpriority(0, id, 0);
}

/** The parent's pid: it changes when the parent dies and we are re-parented. */
export function parentPid(): number {
  return lib().getppid();
}

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const MSG_CMSG_CLOEXEC = 0x40000000;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
// Layout of the recvmsg buffer (x86_64: struct iovec 16 bytes, msghdr 56).
const PAYLOAD = 4096;
const CONTROL = 64;
const IOVEC = 16;
const MSGHDR = 64;

/** Listen on a unix socket made with libc, so that it can receive fds. */
export function listenUnixRaw(path: string): number {
  const fd = lib().socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new Error(`socket() failed: errno ${errno()}`);
  const address = new Uint8Array(110);
  const encoded = new TextEncoder().encode(path);
  if (encoded.length >= 108) throw new Error(`socket path too long: ${path}`);
  new DataView(address.buffer).setUint16(0, AF_UNIX, true);
  address.set(encoded, 2);
  if (lib().bind(fd, address, 2 + encoded.length + 1) !== 0) {
    const code = errno();
    lib().close(fd);
    throw new Error(`bind(${path}) failed: errno ${code}`);
  }
  if (lib().listen(fd, 4) !== 0) {
    const code = errno();
    lib().close(fd);
    throw new Error(`listen(${path}) failed: errno ${code}`);
  }
  return fd;
}

/**
 * Accept one connection on a raw listening socket and receive the file
 * descriptor sent over it with SCM_RIGHTS (the runtime's pty master).
 */
export async function receiveFd(listenFd: number): Promise<number> {
  const connection = await lib().accept4(listenFd, null, null, SOCK_CLOEXEC);
  if (connection < 0) throw new Error("accept on the console socket failed");
  try {
    // One buffer holds the payload, the control data, the iovec and the
    // msghdr, so a single pinned address serves them all.
    const memory = new Uint8Array(PAYLOAD + CONTROL + IOVEC + MSGHDR);
    const base = addressOf(memory);
    const view = new DataView(memory.buffer);
    const iovecAt = PAYLOAD + CONTROL;
    const msghdrAt = iovecAt + IOVEC;
    view.setBigUint64(iovecAt, base, true);
    view.setBigUint64(iovecAt + 8, BigInt(PAYLOAD), true);
    view.setBigUint64(msghdrAt + 16, base + BigInt(iovecAt), true); // msg_iov
    view.setBigUint64(msghdrAt + 24, 1n, true); // msg_iovlen
    view.setBigUint64(msghdrAt + 32, base + BigInt(PAYLOAD), true); // msg_control
    view.setBigUint64(msghdrAt + 40, BigInt(CONTROL), true); // msg_controllen
    const received = await lib().recvmsg(
      connection,
      memory.subarray(msghdrAt),
      MSG_CMSG_CLOEXEC,
    );
    if (received < 0) throw new Error("recvmsg on the console socket failed");
    const controlLength = Number(view.getBigUint64(msghdrAt + 40, true));
    if (controlLength < 20) throw new Error("no file descriptor arrived on the console socket");
    if (
      view.getInt32(PAYLOAD + 8, true) !== SOL_SOCKET ||
      view.getInt32(PAYLOAD + 12, true) !== SCM_RIGHTS
    ) {
      throw new Error("unexpected control message on the console socket");
    }
    return view.getInt32(PAYLOAD + 16, true);
  } finally {
    lib().close(connection);
  }
}

/** Wake a thread blocked in accept() on this socket, then close it. */
export function closeListener(fd: number): void {
  lib().shutdown(fd, 2);
  lib().close(fd);
}

/** Close a raw file descriptor. */
export function closeFd(fd: number): void {
  lib().close(fd);
}

/** Read up to `buffer.length` bytes from a raw fd; 0 or less means the end. */
export async function readFd(fd: number, buffer: Uint8Array): Promise<number> {
  return Number(await lib().read(fd, buffer, BigInt(buffer.length)));
}

/** Write all of `data` to a raw fd; false when the fd is closed. */
export async function writeFd(fd: number, data: Uint8Array): Promise<boolean> {
  let offset = 0;
  while (offset < data.length) {
    const chunk = data.subarray(offset);
    const written = Number(await lib().write(fd, chunk, BigInt(chunk.length)));
    if (written <= 0) return false;
    offset += written;
  }
  return true;
}

const TIOCSWINSZ = 0x5414n;

/** Set a pty's window size. */
export function setWindowSize(fd: number, rows: number, cols: number): void {
  const size = new Uint16Array([rows, cols, 0, 0]);
  if (lib().ioctl(fd, TIOCSWINSZ, new Uint8Array(size.buffer)) !== 0) {
    throw new Error(`TIOCSWINSZ failed: errno ${errno()}`);
  }
}

/**
 * Read a small file with libc. Deno refuses /sys and /proc to anything but
 * --allow-all, and the shim must read its cgroup's OOM counter.
 */
export function readSmallFile(path: string): string | undefined {
  return core().readSmallFile(path);
}
