/**
 * Writing tar headers (ustar, PAX for long names, base-256 sizes past
 * 8 GiB), shared by `save` and the directory-tree archiver.
 * @module
 */

const encoder = new TextEncoder();

/** Bytes in a tar block. */
export const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0");
}

/** A PAX extended header carrying `records`. */
function paxHeader(records: Record<string, string>): Uint8Array[] {
  const body = Object.entries(records).map(([key, value]) => {
    const text = ` ${key}=${value}\n`;
    let length = encoder.encode(text).length + 1;
    while (encoder.encode(`${length}${text}`).length !== length) {
      length = encoder.encode(`${length}${text}`).length;
    }
    return `${length}${text}`;
  }).join("");
  const data = encoder.encode(body);
  return [
    header("PaxHeader", { type: "x", size: data.length, mode: 0o644 }),
    data,
    padding(data.length),
  ];
}

/** The fields of one header; `type` is the tar type flag ("0" file, "5" directory, ...). */
export interface HeaderFields {
  type: string;
  size?: number;
  mode: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkName?: string;
  devMajor?: number;
  devMinor?: number;
}

/** One ustar header block. */
export function header(name: string, fields: HeaderFields): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const put = (offset: number, length: number, text: string) =>
    block.set(encoder.encode(text).subarray(0, length), offset);
  put(0, 100, name);
  put(100, 8, octal(fields.mode & 0o7777, 8));
  put(108, 8, octal(fields.uid ?? 0, 8));
  put(116, 8, octal(fields.gid ?? 0, 8));
  const size = fields.size ?? 0;
  if (size < 0o77777777777) {
    put(124, 12, octal(size, 12));
  } else {
    block[124] = 0x80; // GNU base-256
    for (let index = 135, rest = size; index > 124; index--, rest = Math.floor(rest / 256)) {
      block[index] = rest % 256;
    }
  }
  put(136, 12, octal(fields.mtime ?? 0, 12));
  put(156, 1, fields.type);
  put(157, 100, fields.linkName ?? "");
  put(257, 6, "ustar\0");
  put(263, 2, "00");
  put(329, 8, octal(fields.devMajor ?? 0, 8));
  put(337, 8, octal(fields.devMinor ?? 0, 8));
  block.fill(0x20, 148, 156);
  put(148, 8, octal(block.reduce((sum, byte) => sum + byte, 0), 7) + "\0");
  return block;
}

/** Zeros up to the next block boundary after `size` bytes of content. */
export function padding(size: number): Uint8Array {
  return new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);
}

/** Header blocks for `name`, with a PAX header first when a name does not fit ustar. */
export function entry(name: string, fields: HeaderFields): Uint8Array[] {
  const long = encoder.encode(name).length > 100 ||
    encoder.encode(fields.linkName ?? "").length > 100;
  const records: Record<string, string> = {};
  if (encoder.encode(name).length > 100) records.path = name;
  if (encoder.encode(fields.linkName ?? "").length > 100) records.linkpath = fields.linkName!;
  return [...(long ? paxHeader(records) : []), header(name, fields)];
}
