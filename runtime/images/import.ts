/**
 * `docker import`: a rootfs tar becomes a one-layer image, with Dockerfile
 * instructions (`--change 'CMD ["sh"]'`) applied to its config.
 * @module
 */

import { formatRfc3339Nano, preciseNow } from "../../protocol/timestamp.ts";
import { BadRequest } from "../errors.ts";
import { hostArchitecture, type ImageConfig, type ImageRunConfig } from "./image_config.ts";
import type { Image, ImageStore } from "./image_store.ts";
import type { LayerStore } from "./layer_store.ts";
import { parseReference } from "./reference.ts";

/** What the import request asks for. */
export interface ImportOptions {
  /** `name[:tag]` to tag the image with, if any. */
  repository?: string;
  tag?: string;
  /** Dockerfile instructions applied to the config. */
  changes: string[];
  /** Commit message, kept as the history comment. */
  message?: string;
}

/** Import a rootfs tar stream as a new image. */
export async function importImage(
  images: ImageStore,
  layers: LayerStore,
  body: ReadableStream<Uint8Array>,
  options: ImportOptions,
): Promise<Image> {
  const runConfig: ImageRunConfig = {};
  for (const change of options.changes) applyChange(runConfig, change);
  const reference = tagReference(options);
  return await layers.withLease(async (lease) => {
    const layer = await layers.addFromTar(body, { lease });
    const created = formatRfc3339Nano(preciseNow());
    const config: ImageConfig = {
      architecture: hostArchitecture(),
      os: "linux",
      created,
      config: runConfig,
      rootfs: { type: "layers", diff_ids: [layer.diffId] },
      history: [{ created, created_by: "berth import", comment: options.message ?? "" }],
    };
    if (options.message) config.comment = options.message;
    const image = await images.add(config, layer.size);
    if (reference) await images.tag(image, reference);
    return image;
  });
}

function tagReference(options: ImportOptions): string | undefined {
  if (!options.repository) return undefined;
  const text = options.tag ? `${options.repository}:${options.tag}` : options.repository;
  parseReference(text); // validate before doing any work
  return text;
}

const INSTRUCTIONS = [
  "CMD",
  "ENTRYPOINT",
  "ENV",
  "EXPOSE",
  "LABEL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR",
];

/** Apply one Dockerfile instruction to an image's run config. */
export function applyChange(config: ImageRunConfig, change: string): void {
  const match = /^\s*(\w+)\s+([\s\S]*?)\s*$/.exec(change);
  const instruction = match?.[1].toUpperCase();
  if (!match || !instruction || !INSTRUCTIONS.includes(instruction)) {
    throw new BadRequest(
      `${change.trim().split(/\s/)[0] || change} is not a valid change command`,
    );
  }
  const argument = match[2];
  switch (instruction) {
    case "CMD":
      config.Cmd = commandForm(argument);
      break;
    case "ENTRYPOINT":
      config.Entrypoint = commandForm(argument);
      break;
    case "ENV":
      for (const [key, value] of keyValues(argument, "ENV")) {
        config.Env = (config.Env ?? []).filter((entry) => !entry.startsWith(`${key}=`));
        config.Env.push(`${key}=${value}`);
      }
      break;
    case "LABEL":
      for (const [key, value] of keyValues(argument, "LABEL")) {
        config.Labels = { ...config.Labels, [key]: value };
      }
      break;
    case "EXPOSE":
      for (const port of argument.split(/\s+/)) {
        const normalized = /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/.test(port)
          ? (port.includes("/") ? port : `${port}/tcp`)
          : undefined;
        if (!normalized) throw new BadRequest(`invalid port in EXPOSE: ${port}`);
        config.ExposedPorts = { ...config.ExposedPorts, [normalized]: {} };
      }
      break;
    case "VOLUME":
      for (const path of jsonArrayOr(argument, () => argument.split(/\s+/))) {
        config.Volumes = { ...config.Volumes, [path]: {} };
      }
      break;
    case "STOPSIGNAL":
      config.StopSignal = argument;
      break;
    case "USER":
      config.User = argument;
      break;
    case "WORKDIR":
      config.WorkingDir = argument;
      break;
  }
}

/** `["a","b"]` (exec form) or `a b` (shell form, run by /bin/sh -c). */
function commandForm(argument: string): string[] {
  return jsonArrayOr(argument, () => ["/bin/sh", "-c", argument]);
}

function jsonArrayOr(argument: string, fallback: () => string[]): string[] {
  if (argument.startsWith("[")) {
    try {
      const parsed = JSON.parse(argument);
      if (Array.isArray(parsed) && parsed.every((item) => typeof item === "string")) return parsed;
    } catch {
      // not JSON: shell form
    }
  }
  return fallback();
}

/** `k=v k2="v 2"` or the legacy `k v` form. */
function keyValues(argument: string, instruction: string): [string, string][] {
  if (!/^[^\s=]+=/.test(argument)) {
    const legacy = /^(\S+)\s+([\s\S]*)$/.exec(argument);
    if (!legacy) throw new BadRequest(`${instruction} needs key=value: ${argument}`);
    return [[legacy[1], legacy[2]]];
  }
  const pairs: [string, string][] = [];
  const pattern = /([^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  for (const match of argument.matchAll(pattern)) {
    let value = match[2];
    if (value.startsWith('"')) value = JSON.parse(value);
    else if (value.startsWith("'")) value = value.slice(1, -1);
    pairs.push([match[1], value]);
  }
  return pairs;
}
