/**
 * A container's mount points as its record keeps them (docker's
 * MountPoint shape), and what they become: OCI mounts for the spec, the
 * Mounts list of inspect and ps.
 * @module
 */

import type { SpecMount } from "../oci/defaults.ts";

/** One mount of a container, as inspect shows it (docker's MountPoint), plus tmpfs options. */
export interface MountPoint {
  Type: "bind" | "volume" | "tmpfs";
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** tmpfs mount options (not shown by inspect). */
  Options?: string[];
  /** A bind read-only with its submounts (`rro`). */
  RecursiveReadOnly?: boolean;
}

/** Mount points as inspect and the container list show them. */
export function inspectMounts(points: MountPoint[] | undefined): Omit<MountPoint, "Options">[] {
  return (points ?? []).map(({ Options: _options, ...shown }) => shown);
}

/** Parents before children (a stable sort), so a mount inside another lands on top of it. */
export function byDepth<T>(items: T[], destination: (item: T) => string): T[] {
  const depth = (item: T) => destination(item).split("/").length;
  return [...items].sort((a, b) => depth(a) - depth(b));
}

/** The OCI mounts of a container's mount points. */
export function specMounts(points: MountPoint[] | undefined): SpecMount[] {
  return (points ?? []).map((point) => {
    if (point.Type === "tmpfs") {
      return {
        destination: point.Destination,
        type: "tmpfs",
        source: "tmpfs",
        options: point.Options ?? [],
      };
    }
    return {
      destination: point.Destination,
      type: "bind",
      source: point.Source,
      options: [
        "rbind",
        point.Propagation || "rprivate",
        point.RW ? "rw" : "ro",
        ...(point.RecursiveReadOnly ? ["rro"] : []),
      ],
    };
  });
}
