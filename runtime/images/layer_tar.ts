/**
 * A layer's tar, rebuilt byte for byte from its extracted files and a small
 * skeleton kept at extraction (every header, padding and trailing byte,
 * and where each file's content goes), the way docker's tar-split does; so
 * `save` and `push` hand out exactly the tar whose digest is the layer's
 * diff ID, without keeping a second copy of the layer.
 *
 * Skeleton records: `R` u32 length, bytes (raw) | `C` f64 size, u16 path
 * length, path (a file's content). The file is gzip-compressed.
 * @module
 */

import { createHash } from "node:crypto";
import { layerPath } from "./layer_extract.ts";
import type { TarSkeletonSink } from "../../lib/tar_reader.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Collects a skeleton in memory while a layer is read. */
export class SkeletonRecorder implements TarSkeletonSink {
  #parts: Uint8Array[] = [];

  raw(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const head = new Uint8Array(5);
    head[0] = 0x52; // R
    new DataView(head.buffer).setUint32(1, bytes.length);
    this.#parts.push(head, bytes);
  }

  content(path: string, size: number): void {
    const name = encoder.encode(path);
    const head = new Uint8Array(11);
    const view = new DataView(head.buffer);
    head[0] = 0x43; // C
    view.setFloat64(1, size);
    view.setUint16(9, name.length);
    this.#parts.push(head, name);
  }

  /** The skeleton, gzip-compressed. */
  async compressed(): Promise<Uint8Array> {
    const blob = new Blob(this.#parts as Uint8Array<ArrayBuffer>[]);
    return new Uint8Array(
      await new Response(blob.stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
    );
  }
}

type SkeletonRecord = { raw: Uint8Array } | { path: string; size: number };

async function readSkeleton(path: string): Promise<SkeletonRecord[]> {
  const file = await Deno.open(path);
  const bytes = new Uint8Array(
    await new Response(file.readable.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer(),
  );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: SkeletonRecord[] = [];
  for (let offset = 0; offset < bytes.length;) {
    if (bytes[offset] === 0x52) {
      const length = view.getUint32(offset + 1);
      records.push({ raw: bytes.subarray(offset + 5, offset + 5 + length) });
      offset += 5 + length;
    } else if (bytes[offset] === 0x43) {
      const size = view.getFloat64(offset + 1);
      const length = view.getUint16(offset + 9);
      records.push({
        path: decoder.decode(bytes.subarray(offset + 11, offset + 11 + length)),
        size,
      });
      offset += 11 + length;
    } else {
      throw new Error(`corrupt layer skeleton ${path}`);
    }
  }
  return records;
}

/**
 * The layer's tar, rebuilt: its size, and a stream of it that fails at the
 * end unless its digest is `diffId` (a file changed since extraction).
 */
export async function layerTar(
  diffDir: string,
  skeletonPath: string,
  diffId: string,
): Promise<{ size: number; stream: ReadableStream<Uint8Array> }> {
  const hash = createHash("sha256");
  const records = await readSkeleton(skeletonPath);
  const size = records.reduce(
    (sum, record) => sum + ("raw" in record ? record.raw.length : record.size),
    0,
  );
  let index = 0;
  let file: Deno.FsFile | undefined;
  let left = 0;
  /** The next piece of the tar, or undefined at the end. */
  const next = async (): Promise<Uint8Array | undefined> => {
    for (;;) {
      if (file) {
        const chunk = new Uint8Array(Math.min(left, 256 * 1024));
        const read = await file.read(chunk);
        if (read === null || read === 0) {
          throw new Error("a layer file is shorter than when it was extracted");
        }
        left -= read;
        if (left === 0) {
          file.close();
          file = undefined;
        }
        return chunk.subarray(0, read);
      }
      const record = records[index++];
      if (!record) return undefined;
      if ("raw" in record) return record.raw;
      if (record.size === 0) continue;
      const path = `${diffDir}/${layerPath(record.path).join("/")}`;
      // Only the regular file the layer made: never follow a symlink out.
      const info = await Deno.lstat(path);
      if (!info.isFile || info.size !== record.size) {
        throw new Error(`"${record.path}" changed since the layer was extracted`);
      }
      file = await Deno.open(path);
      left = record.size;
    }
  };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const piece = await next();
        if (piece) {
          hash.update(piece);
          controller.enqueue(piece);
          return;
        }
        const actual = `sha256:${hash.digest("hex")}`;
        if (actual !== diffId) throw new Error(`the layer ${diffId} no longer matches its diff ID`);
        controller.close();
      } catch (error) {
        file?.close();
        file = undefined;
        controller.error(error);
      }
    },
    cancel() {
      file?.close();
    },
  }, { highWaterMark: 0 });
  return { size, stream };
}
