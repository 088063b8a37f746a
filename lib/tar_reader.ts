/**
 * A streaming tar reader (ustar, GNU long names, PAX headers) strict enough
 * for untrusted input: every header's checksum is verified, numeric fields
 * must parse, PAX and long-name payloads are capped, and an archive that
 * ends inside an entry is an error, never a short file.
 * @module
 */

/** What a tar entry is. */
export type TarEntryType =
  | "file"
  | "hardlink"
  | "symlink"
  | "chardev"
  | "blockdev"
  | "directory"
  | "fifo";

/** One entry's header, with PAX and GNU extensions applied. */
export interface TarHeader {
  path: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  linkPath: string;
  devMajor: number;
  devMinor: number;
  /** Extended attributes (PAX SCHILY.xattr.*), name → value bytes. */
  xattrs: Map<string, Uint8Array>;
}

/** The archive is not a well-formed tar; the message says where. */
export class TarError extends Error {}

/** The first block is not a tar header at all. */
export class NotATar extends TarError {}

const BLOCK = 512;
/** Largest PAX or GNU long-name payload accepted. */
export const MAX_EXTENSION_BYTES = 1024 * 1024;
/** Largest entry accepted (anything bigger is a corrupt or hostile size field). */
const MAX_ENTRY_BYTES = 2 ** 50;

const decoder = new TextDecoder();

/** Reads exact byte counts from a stream. */
class ByteSource {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buffer: Uint8Array = new Uint8Array(0);
  #offset = 0;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  /** Up to `count` bytes (fewer only at the end of the stream). */
  async read(count: number): Promise<Uint8Array> {
    if (this.#offset === this.#buffer.length) {
      const { value, done } = await this.#reader.read();
      if (done) return new Uint8Array(0);
      this.#buffer = value;
      this.#offset = 0;
    }
    const end = Math.min(this.#buffer.length, this.#offset + count);
    const part = this.#buffer.subarray(this.#offset, end);
    this.#offset = end;
    return part;
  }

  /** Exactly `count` bytes, or fewer if the stream ends first. */
  async readExact(count: number): Promise<Uint8Array> {
    const out = new Uint8Array(count);
    let filled = 0;
    while (filled < count) {
      const part = await this.read(count - filled);
      if (part.length === 0) return out.subarray(0, filled);
      out.set(part, filled);
      filled += part.length;
    }
    return out;
  }

  /** Read the rest of the stream, handing each piece to `sink`. */
  async drain(sink: (bytes: Uint8Array) => void): Promise<void> {
    if (this.#offset < this.#buffer.length) sink(this.#buffer.subarray(this.#offset));
    this.#offset = this.#buffer.length;
    for (;;) {
      const { value, done } = await this.#reader.read();
      if (done) return;
      sink(value);
    }
  }

  cancel(): Promise<void> {
    return this.#reader.cancel().catch(() => {});
  }
}

function text(field: Uint8Array): string {
  const end = field.indexOf(0);
  return decoder.decode(end < 0 ? field : field.subarray(0, end));
}

/** An octal (or GNU base-256) numeric field. */
export function parseNumber(field: Uint8Array, name: string): number {
  if (field[0] & 0x80) {
    // GNU base-256: big-endian, the top bit of the first byte is the marker.
    if (field[0] & 0x40) throw new TarError(`negative ${name} in a tar header`);
    let value = field[0] & 0x3f;
    for (let index = 1; index < field.length; index++) value = value * 256 + field[index];
    if (!Number.isSafeInteger(value)) throw new TarError(`${name} out of range in a tar header`);
    return value;
  }
  const digits = text(field).trim();
  if (digits === "") return 0;
  if (!/^[0-7]+$/.test(digits)) throw new TarError(`bad ${name} in a tar header: "${digits}"`);
  return parseInt(digits, 8);
}

function checksumOk(block: Uint8Array): boolean {
  let stored: number;
  try {
    stored = parseNumber(block.subarray(148, 156), "checksum");
  } catch {
    return false;
  }
  let unsigned = 0;
  let signed = 0;
  for (let index = 0; index < BLOCK; index++) {
    const byte = index >= 148 && index < 156 ? 0x20 : block[index];
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

const TYPES: Record<string, TarEntryType> = {
  "0": "file",
  "\0": "file",
  "7": "file",
  "1": "hardlink",
  "2": "symlink",
  "3": "chardev",
  "4": "blockdev",
  "5": "directory",
  "6": "fifo",
};

/** PAX records ("%d %s=%s\n"), checked for well-formedness. */
export function parsePax(payload: Uint8Array): Map<string, Uint8Array> {
  const records = new Map<string, Uint8Array>();
  let offset = 0;
  while (offset < payload.length) {
    const space = payload.indexOf(0x20, offset);
    if (space < 0) throw new TarError("malformed PAX record");
    const length = Number(decoder.decode(payload.subarray(offset, space)));
    if (!Number.isInteger(length) || length <= 0 || offset + length > payload.length) {
      throw new TarError("malformed PAX record length");
    }
    const record = payload.subarray(space + 1, offset + length);
    if (record.at(-1) !== 0x0a) throw new TarError("PAX record without a newline");
    const equals = record.indexOf(0x3d);
    if (equals < 0) throw new TarError("PAX record without '='");
    records.set(decoder.decode(record.subarray(0, equals)), record.slice(equals + 1, -1));
    offset += length;
  }
  return records;
}

/**
 * Receives an archive's layout while it is read: every byte that is not a
 * regular file's content (`raw`), and where each file's content goes
 * (`content`). With the files themselves this rebuilds the archive byte
 * for byte (see layer_tar.ts).
 */
export interface TarSkeletonSink {
  raw(bytes: Uint8Array): void;
  content(path: string, size: number): void;
}

/** Paths as tar writes them: no trailing slash. */
function cleanPath(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

/**
 * Read `stream` as a tar archive, calling `onEntry` for each entry with a
 * function that streams its body (it must be consumed before the next
 * entry; unread bytes are skipped). After the end-of-archive marker the
 * rest of the stream is read too, so that a hash over it covers every byte.
 */
export async function readTar(
  stream: ReadableStream<Uint8Array>,
  onEntry: (header: TarHeader, body: () => ReadableStream<Uint8Array>) => Promise<void>,
  skeleton?: TarSkeletonSink,
): Promise<void> {
  const raw = (bytes: Uint8Array) => skeleton?.raw(bytes);
  const source = new ByteSource(stream);
  let globalPax = new Map<string, Uint8Array>();
  let pax = new Map<string, Uint8Array>();
  let longName: string | undefined;
  let longLink: string | undefined;
  let sawEntry = false;
  try {
    for (;;) {
      const block = await source.readExact(BLOCK);
      if (block.length === 0 && !sawEntry) throw new NotATar("empty archive");
      if (block.length < BLOCK) {
        throw sawEntry ? new TarError("truncated tar header") : new NotATar("short archive");
      }
      raw(block);
      if (block.every((byte) => byte === 0)) {
        await source.drain(raw);
        return;
      }
      if (!checksumOk(block)) {
        throw sawEntry
          ? new TarError("tar header checksum mismatch")
          : new NotATar("no tar header");
      }
      sawEntry = true;
      const flag = String.fromCharCode(block[156]);
      const size = parseNumber(block.subarray(124, 136), "size");
      if (size > MAX_ENTRY_BYTES) throw new TarError(`entry size ${size} is too large`);
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      if (flag === "x" || flag === "g" || flag === "L" || flag === "K") {
        if (size > MAX_EXTENSION_BYTES) {
          throw new TarError(`a tar extension header of ${size} bytes is too large`);
        }
        const payload = await source.readExact(padded);
        if (payload.length < padded) throw new TarError("truncated tar extension header");
        raw(payload);
        const data = payload.subarray(0, size);
        if (flag === "x") pax = parsePax(data);
        else if (flag === "g") globalPax = new Map([...globalPax, ...parsePax(data)]);
        else if (flag === "L") longName = text(data);
        else longLink = text(data);
        continue;
      }
      const type = TYPES[flag];
      if (!type) throw new TarError(`unsupported tar entry type '${flag}'`);
      const records = new Map([...globalPax, ...pax]);
      const record = (key: string) => {
        const value = records.get(key);
        return value === undefined ? undefined : decoder.decode(value);
      };
      const magic = decoder.decode(block.subarray(257, 263));
      const prefix = magic === "ustar\0" ? text(block.subarray(345, 500)) : "";
      const name = text(block.subarray(0, 100));
      const header: TarHeader = {
        path: cleanPath(record("path") ?? longName ?? (prefix ? `${prefix}/${name}` : name)),
        type,
        mode: parseNumber(block.subarray(100, 108), "mode") & 0o7777,
        uid: Number(record("uid") ?? parseNumber(block.subarray(108, 116), "uid")),
        gid: Number(record("gid") ?? parseNumber(block.subarray(116, 124), "gid")),
        size: record("size") !== undefined ? Number(record("size")) : size,
        mtime: Math.floor(
          Number(record("mtime") ?? parseNumber(block.subarray(136, 148), "mtime")),
        ),
        linkPath: record("linkpath") ?? longLink ?? text(block.subarray(157, 257)),
        devMajor: parseNumber(block.subarray(329, 337), "devmajor"),
        devMinor: parseNumber(block.subarray(337, 345), "devminor"),
        xattrs: new Map(),
      };
      for (const [key, value] of records) {
        for (const marker of ["SCHILY.xattr.", "LIBARCHIVE.xattr."]) {
          if (key.startsWith(marker)) header.xattrs.set(key.slice(marker.length), value);
        }
      }
      for (const field of ["uid", "gid", "size", "mtime"] as const) {
        if (!Number.isSafeInteger(header[field]) || header[field] < 0) {
          throw new TarError(`bad ${field} in the PAX header of ${header.path}`);
        }
      }
      if (header.type !== "file") header.size = 0;
      pax = new Map();
      longName = undefined;
      longLink = undefined;
      const entrySize = header.type === "file" ? header.size : size;
      const entryPadded = Math.ceil(entrySize / BLOCK) * BLOCK;
      let remaining = entrySize;
      if (header.type === "file") skeleton?.content(header.path, entrySize);
      const body = () =>
        new ReadableStream<Uint8Array>({
          async pull(controller) {
            if (remaining === 0) {
              controller.close();
              return;
            }
            const part = await source.read(Math.min(remaining, 256 * 1024));
            if (part.length === 0) {
              controller.error(new TarError(`archive truncated inside ${header.path}`));
              return;
            }
            remaining -= part.length;
            const copy = part.slice();
            if (header.type !== "file") raw(copy);
            controller.enqueue(copy);
          },
        }, { highWaterMark: 0 });
      await onEntry(header, body);
      // Skip whatever the callee left unread, then the padding.
      let unread = remaining;
      let skip = remaining + (entryPadded - entrySize);
      remaining = 0;
      while (skip > 0) {
        const part = await source.read(skip);
        if (part.length === 0) throw new TarError(`archive truncated inside ${header.path}`);
        // A file's unread content comes from the file; everything else is kept.
        const content = header.type === "file" ? Math.min(unread, part.length) : 0;
        unread -= content;
        if (content < part.length) raw(part.subarray(content).slice());
        skip -= part.length;
      }
    }
  } catch (error) {
    await source.cancel();
    throw error;
  }
}
