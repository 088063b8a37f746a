/**
 * The libc calls only the daemon makes through FFI (the shared core, with
 * errno, small-file reads, directory listings and kill, is lib/libc.ts):
 * mount(2) and umount2(2) for container root filesystems, getrlimit(2)
 * (Deno refuses to read /proc/self/limits without --allow-all), lchown,
 * mknod, lsetxattr and symlink for image layers (Deno has no API for the
 * first three, and needs unscoped permissions for the last), access, mkdir
 * and lstat for the host paths of bind mounts and devices (outside the
 * daemon's scoped file permissions), setns, socket and connect for a TCP
 * connection inside a pod's network namespace (port-forward). Opened with
 * the path the daemon's `--allow-ffi` names.
 * @module
 */

import { cString, LibcCore, openLibcAt, SyscallError } from "../../lib/libc.ts";

/** What only the daemon calls (the core's are in lib/libc.ts). */
const symbols = {
  mount: { parameters: ["buffer", "buffer", "buffer", "u64", "buffer"], result: "i32" },
  umount2: { parameters: ["buffer", "i32"], result: "i32" },
  getrlimit: { parameters: ["i32", "buffer"], result: "i32" },
  lchown: { parameters: ["buffer", "u32", "u32"], result: "i32" },
  symlink: { parameters: ["buffer", "buffer"], result: "i32" },
  mknod: { parameters: ["buffer", "u32", "u64"], result: "i32" },
  lsetxattr: { parameters: ["buffer", "buffer", "buffer", "usize", "i32"], result: "i32" },
  lgetxattr: { parameters: ["buffer", "buffer", "buffer", "usize"], result: "isize" },
  mkdir: { parameters: ["buffer", "u32"], result: "i32" },
  access: { parameters: ["buffer", "i32"], result: "i32" },
  lstat: { parameters: ["buffer", "buffer"], result: "i32" },
  writeNow: { name: "write", parameters: ["i32", "buffer", "usize"], result: "isize" },
  readlink: { parameters: ["buffer", "buffer", "usize"], result: "isize" },
  // A TCP connection made inside a pod's network namespace (port-forward).
  setns: { parameters: ["i32", "i32"], result: "i32" },
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  pollWaiting: {
    name: "poll",
    parameters: ["buffer", "u64", "i32"],
    result: "i32",
    nonblocking: true,
  },
  // The new mount API (open_tree, mount_setattr, move_mount) has no libc
  // wrappers: syscall(2), with each call's own arguments.
  openTree: { name: "syscall", parameters: ["i64", "i32", "buffer", "u32"], result: "i64" },
  mountSetattr: {
    name: "syscall",
    parameters: ["i64", "i32", "buffer", "u32", "buffer", "u64"],
    result: "i64",
  },
  moveMount: {
    name: "syscall",
    parameters: ["i64", "i32", "buffer", "i32", "buffer", "u32"],
    result: "i64",
  },
} as const;

type Opened = ReturnType<typeof openLibcAt<typeof symbols>>;

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

let opened: Opened | undefined;
let libcPath = "";

/** Find and open libc; returns its path (also handed to shims). */
export function openLibc(): string {
  if (opened) return libcPath;
  for (const candidate of LIBC_CANDIDATES) {
    try {
      opened = openLibcAt(candidate, symbols);
      libcPath = candidate;
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error(`libc not found in ${LIBC_CANDIDATES.join(", ")}`);
}

function lib(): Opened["symbols"] {
  if (!opened) openLibc();
  return opened!.symbols;
}

function core(): LibcCore {
  if (!opened) openLibc();
  return opened!.core;
}

function lastError(): { code: number; text: string } {
  return core().lastError();
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

/** mount(2) flags. */
export const MS_RDONLY = 1;
export const MS_REMOUNT = 32;
export const MS_BIND = 4096;
export const MS_REC = 16384;
export const MS_PRIVATE = 1 << 18;

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

/**
 * Mark every descriptor above stderr close-on-exec. node:http's listening
 * socket (and anything the daemon inherited) is not, and a shim that
 * inherited the API socket would keep it listening after the daemon dies.
 */
export function closeOnExecAll(): void {
  core().closeOnExecAll();
}

function check(result: number, call: string): void {
  core().check(result, call);
}

/** lchown(2): the owner of a path, not following a final symlink. */
export function lchown(path: string, uid: number, gid: number): void {
  check(lib().lchown(cString(path), uid, gid), `lchown ${path}`);
}

/**
 * symlink(2). Deno.symlink needs unscoped read and write permissions; the
 * daemon's are scoped to its root.
 */
export function symlink(target: string, path: string): void {
  check(lib().symlink(cString(target), cString(path)), `symlink ${path}`);
}

/** File type bits for mknod(2). */
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

/** mknod(2) with glibc's makedev encoding of major and minor. */
export function mknod(path: string, mode: number, major: number, minor: number): void {
  const dev = (BigInt(major & 0xfff) << 8n) | BigInt(minor & 0xff) |
    (BigInt(minor & ~0xff) << 12n) | (BigInt(major & ~0xfff) << 32n);
  check(lib().mknod(cString(path), mode, dev), `mknod ${path}`);
}

/** lsetxattr(2). */
export function lsetxattr(path: string, name: string, value: Uint8Array): void {
  // A zero-length Uint8Array cannot be passed as a buffer; one spare byte, size 0.
  const data = value.length ? value : new Uint8Array(1);
  check(
    lib().lsetxattr(cString(path), cString(name), data, BigInt(value.length), 0),
    `setxattr ${name} on ${path}`,
  );
}

/** lgetxattr(2): the attribute's value, or undefined when the path has none by that name. */
export function lgetxattr(path: string, name: string): Uint8Array | undefined {
  const buffer = new Uint8Array(4096);
  const length = Number(
    lib().lgetxattr(cString(path), cString(name), buffer, BigInt(buffer.length)),
  );
  return length < 0 ? undefined : buffer.slice(0, length);
}

/** True when `path` exists on the host (access(2) with F_OK, following symlinks). */
export function hostPathExists(path: string): boolean {
  return lib().access(cString(path), 0) === 0;
}

/** `mkdir -p` of a host path (mkdir(2) per component; existing ones are fine). */
export function makeHostDirectory(path: string, mode = 0o755): void {
  let prefix = "";
  for (const part of path.split("/").filter(Boolean)) {
    prefix += `/${part}`;
    if (lib().mkdir(cString(prefix), mode) === 0) continue;
    const { code, text } = lastError();
    if (code !== 17 /* EEXIST */) throw new SyscallError(`mkdir ${prefix}`, code, text);
  }
}

/**
 * A small /proc or /sys file's text (Deno refuses those paths without
 * --allow-all); undefined when it cannot be read.
 */
export function readSystemFile(path: string): string | undefined {
  return core().readSmallFile(path);
}

/** What lstat(2) says of a host path: its type and mode bits, and for a device its numbers. */
export interface HostFileInfo {
  type: "char" | "block" | "directory" | "symlink" | "other";
  /** The permission bits. */
  mode: number;
  uid: number;
  gid: number;
  major: number;
  minor: number;
}

/** Field offsets in glibc's struct stat. */
const STAT_LAYOUT = {
  x86_64: { mode: 24, uid: 28, rdev: 40 },
  aarch64: { mode: 16, uid: 24, rdev: 32 },
};

/** lstat(2) of a host path (Deno's stat needs read access to it); undefined when missing. */
export function hostFileInfo(path: string): HostFileInfo | undefined {
  const layout = STAT_LAYOUT[Deno.build.arch];
  const buffer = new Uint8Array(256);
  if (lib().lstat(cString(path), buffer) !== 0) return undefined;
  const view = new DataView(buffer.buffer);
  const mode = view.getUint32(layout.mode, true);
  const rdev = view.getBigUint64(layout.rdev, true);
  const format = mode & 0o170000;
  const type = format === 0o020000
    ? "char"
    : format === 0o060000
    ? "block"
    : format === 0o040000
    ? "directory"
    : format === 0o120000
    ? "symlink"
    : "other";
  return {
    type,
    mode: mode & 0o7777,
    uid: view.getUint32(layout.uid, true),
    gid: view.getUint32(layout.uid + 4, true),
    major: Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn)),
    minor: Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn)),
  };
}

/** The entry names of a host directory (without . and ..); empty when unreadable. */
export function hostDirectoryNames(path: string): string[] {
  return core().directoryNames(path);
}

/** Send `signal` to a host process (kill(2)); false when it is gone. */
export function killProcess(pid: number, signal: number): boolean {
  return core().signal(pid, signal);
}

const AT_FDCWD = -100;
const AT_EMPTY_PATH = 0x1000;
const OPEN_TREE_CLONE = 1;
const OPEN_TREE_CLOEXEC = 0o2000000;
const MOUNT_ATTR_IDMAP = 0x00100000;
const MOVE_MOUNT_F_EMPTY_PATH = 0x4;
/** System call numbers of the new mount API (the same on x86_64 and aarch64). */
const SYS_OPEN_TREE = 428n;
const SYS_MOVE_MOUNT = 429n;
const SYS_MOUNT_SETATTR = 442n;

/**
 * Mount `source` again at `target`, its owners seen through the id
 * mapping of the user namespace `usernsFd` (an idmapped mount: files owned
 * by uid 0 on disk show as the mapping's host uid for 0).
 */
export function idmappedBind(source: string, target: string, usernsFd: number): void {
  const tree = Number(
    lib().openTree(SYS_OPEN_TREE, AT_FDCWD, cString(source), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC),
  );
  if (tree < 0) {
    const { code, text } = lastError();
    throw new SyscallError(`open_tree ${source}`, code, text);
  }
  try {
    // struct mount_attr { u64 attr_set, attr_clr, propagation, userns_fd }
    const attr = new BigUint64Array([BigInt(MOUNT_ATTR_IDMAP), 0n, 0n, BigInt(usernsFd)]);
    const attrBytes = new Uint8Array(attr.buffer);
    if (
      lib().mountSetattr(
        SYS_MOUNT_SETATTR,
        tree,
        cString(""),
        AT_EMPTY_PATH,
        attrBytes,
        BigInt(attrBytes.length),
      ) < 0
    ) {
      const { code, text } = lastError();
      throw new SyscallError(`idmapping ${source}`, code, text);
    }
    if (
      lib().moveMount(
        SYS_MOVE_MOUNT,
        tree,
        cString(""),
        AT_FDCWD,
        cString(target),
        MOVE_MOUNT_F_EMPTY_PATH,
      ) < 0
    ) {
      const { code, text } = lastError();
      throw new SyscallError(`move_mount to ${target}`, code, text);
    }
  } finally {
    lib().close(tree);
  }
}

const O_WRONLY_CLOEXEC = 0o1 | 0o2000000;
const O_RDONLY_CLOEXEC = 0o2000000;

/** Write a small /proc file (a uid_map) in one write(2). */
export function writeProcFile(path: string, text: string): void {
  const fd = lib().open(cString(path), O_WRONLY_CLOEXEC);
  if (fd < 0) {
    const { code, text: reason } = lastError();
    throw new SyscallError(`open ${path}`, code, reason);
  }
  try {
    const bytes = new TextEncoder().encode(text);
    if (Number(lib().writeNow(fd, bytes, BigInt(bytes.length))) !== bytes.length) {
      const { code, text: reason } = lastError();
      throw new SyscallError(`write ${path}`, code, reason);
    }
  } finally {
    lib().close(fd);
  }
}

/** A symlink's target on the host (readlink(2); Deno refuses /proc links without --allow-all). */
export function hostReadLink(path: string): string | undefined {
  const buffer = new Uint8Array(4096);
  const length = Number(lib().readlink(cString(path), buffer, BigInt(buffer.length)));
  return length < 0 ? undefined : new TextDecoder().decode(buffer.subarray(0, length));
}

/** Open a file (a namespace) for reading; the descriptor is close-on-exec. */
export function openReadOnly(path: string): number {
  const fd = lib().open(cString(path), O_RDONLY_CLOEXEC);
  if (fd < 0) {
    const { code, text } = lastError();
    throw new SyscallError(`open ${path}`, code, text);
  }
  return fd;
}

const CLONE_NEWNET = 0x40000000;
const AF_INET = 2;
const SOCK_STREAM_NONBLOCK_CLOEXEC = 1 | 0o4000 | 0o2000000;
const EINPROGRESS = 115;
const SOL_SOCKET = 1;
const SO_ERROR = 4;
const POLLOUT = 4;

/**
 * A socket of the network namespace at `netnsPath` (a non-blocking TCP
 * socket, close-on-exec): made while this thread is switched into the
 * namespace, which it leaves again before returning (a socket keeps the
 * namespace it was made in). Nothing else runs on the thread meanwhile.
 */
function socketInNetns(netnsPath: string): number {
  const calls = lib();
  const own = calls.open(cString("/proc/thread-self/ns/net"), O_RDONLY_CLOEXEC);
  if (own < 0) throw new SyscallError("open /proc/thread-self/ns/net", ...errorParts());
  const target = calls.open(cString(netnsPath), O_RDONLY_CLOEXEC);
  if (target < 0) {
    const [code, text] = errorParts();
    calls.close(own);
    throw new SyscallError(`open ${netnsPath}`, code, text);
  }
  try {
    if (calls.setns(target, CLONE_NEWNET) !== 0) {
      throw new SyscallError(`setns ${netnsPath}`, ...errorParts());
    }
    const fd = calls.socket(AF_INET, SOCK_STREAM_NONBLOCK_CLOEXEC, 0);
    const failure = fd < 0 ? errorParts() : undefined;
    // Back home whatever happened: the daemon's own sockets live there.
    if (calls.setns(own, CLONE_NEWNET) !== 0) {
      throw new Error(`setns back to the daemon's network namespace: ${errorParts()[1]}`);
    }
    if (failure) throw new SyscallError("socket", ...failure);
    return fd;
  } finally {
    calls.close(target);
    calls.close(own);
  }
}

function errorParts(): [number, string] {
  const { code, text } = lastError();
  return [code, text];
}

/**
 * Connect to 127.0.0.1:`port` inside the network namespace at `netnsPath`;
 * resolves to the connected socket's descriptor (non-blocking) or rejects
 * with the connect's error (ECONNREFUSED, ETIMEDOUT after `timeoutMs`).
 */
export async function connectInNetns(
  netnsPath: string,
  port: number,
  timeoutMs: number,
): Promise<number> {
  const calls = lib();
  const fd = socketInNetns(netnsPath);
  try {
    const address = new Uint8Array(16);
    const view = new DataView(address.buffer);
    view.setUint16(0, AF_INET, true);
    view.setUint16(2, port);
    address.set([127, 0, 0, 1], 4);
    if (calls.connect(fd, address, address.length) !== 0) {
      const [code, text] = errorParts();
      if (code !== EINPROGRESS) throw new SyscallError(`connect 127.0.0.1:${port}`, code, text);
      // pollfd {int fd; short events; short revents}, waited for on a worker thread.
      const pollFd = new Uint8Array(8);
      const pollView = new DataView(pollFd.buffer);
      pollView.setInt32(0, fd, true);
      pollView.setInt16(4, POLLOUT, true);
      const ready = await calls.pollWaiting(pollFd, 1n, timeoutMs);
      if (ready === 0) {
        throw new SyscallError(`connect 127.0.0.1:${port}`, 110, "Connection timed out");
      }
      const error = new Int32Array(1), size = new Uint32Array([4]);
      calls.getsockopt(
        fd,
        SOL_SOCKET,
        SO_ERROR,
        new Uint8Array(error.buffer),
        new Uint8Array(size.buffer),
      );
      if (error[0] !== 0) {
        throw new SyscallError(`connect 127.0.0.1:${port}`, error[0], core().errorText(error[0]));
      }
    }
    return fd;
  } catch (error) {
    calls.close(fd);
    throw error;
  }
}
