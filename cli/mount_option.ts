/**
 * `--mount type=bind,source=/a,target=/b,readonly` as docker's CLI reads it:
 * comma-separated `key=value` fields (a bare `readonly` means true) into the
 * API's mount object.
 * @module
 */

import { parseSize } from "../lib/units.ts";
import { UsageError } from "./flags.ts";

/** docker's mount.Mount, as much as berth sends. */
export interface MountObject {
  Type: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  BindOptions?: { Propagation?: string; CreateMountpoint?: boolean };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string> };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

function invalid(text: string, why: string): never {
  throw new UsageError(`invalid argument "${text}" for "--mount" flag: ${why}`);
}

function booleanValue(text: string, key: string, value: string | undefined): boolean {
  if (value === undefined || value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  invalid(text, `invalid value for ${key}: ${value}`);
}

/** One `--mount` value. */
export function parseMountOption(text: string): MountObject {
  const mount: MountObject = { Type: "volume" };
  for (const field of text.split(",")) {
    const index = field.indexOf("=");
    const key = (index < 0 ? field : field.slice(0, index)).trim().toLowerCase();
    const value = index < 0 ? undefined : field.slice(index + 1);
    switch (key) {
      case "readonly":
      case "ro":
        mount.ReadOnly = booleanValue(text, key, value);
        continue;
      case "volume-nocopy":
        (mount.VolumeOptions ??= {}).NoCopy = booleanValue(text, key, value);
        continue;
      case "bind-create-host-path":
        (mount.BindOptions ??= {}).CreateMountpoint = booleanValue(text, key, value);
        continue;
    }
    if (value === undefined) invalid(text, `invalid field '${field}' must be a key=value pair`);
    switch (key) {
      case "type":
        mount.Type = value;
        break;
      case "source":
      case "src":
        mount.Source = value;
        break;
      case "target":
      case "destination":
      case "dst":
        mount.Target = value;
        break;
      case "bind-propagation":
        (mount.BindOptions ??= {}).Propagation = value;
        break;
      case "volume-label": {
        const equals = value.indexOf("=");
        const labels = ((mount.VolumeOptions ??= {}).Labels ??= {});
        if (equals < 0) labels[value] = "";
        else labels[value.slice(0, equals)] = value.slice(equals + 1);
        break;
      }
      case "tmpfs-size": {
        const size = parseSize(value);
        if (size === undefined) invalid(text, `invalid value for tmpfs-size: ${value}`);
        (mount.TmpfsOptions ??= {}).SizeBytes = size;
        break;
      }
      case "tmpfs-mode": {
        const mode = parseInt(value, 8);
        if (!/^[0-7]+$/.test(value)) invalid(text, `invalid value for tmpfs-mode: ${value}`);
        (mount.TmpfsOptions ??= {}).Mode = mode;
        break;
      }
      default:
        invalid(text, `unexpected key '${key}' in '${field}'`);
    }
  }
  if (!mount.Target) invalid(text, "target is required");
  return mount;
}
