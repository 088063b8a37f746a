/**
 * Host devices for --device and --privileged, as OCI linux.devices entries
 * and the device cgroup rules that let the container use them.
 * @module
 */

import { BadRequest } from "../errors.ts";
import { hostDirectoryNames, hostFileInfo } from "./libc.ts";

/** An OCI linux.devices entry. */
export interface SpecDevice {
  path: string;
  type: "c" | "b";
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

/** The device at `hostPath`, to appear at `containerPath`; BadRequest when it is none. */
export function hostDevice(hostPath: string, containerPath: string): SpecDevice {
  const info = hostFileInfo(hostPath);
  if (!info) {
    throw new BadRequest(
      `error gathering device information while adding custom device "${hostPath}": no such file or directory`,
    );
  }
  if (info.type !== "char" && info.type !== "block") {
    throw new BadRequest(
      `error gathering device information while adding custom device "${hostPath}": not a device node`,
    );
  }
  return {
    path: containerPath,
    type: info.type === "char" ? "c" : "b",
    major: info.major,
    minor: info.minor,
    fileMode: info.mode,
    uid: info.uid,
    gid: info.gid,
  };
}

/** Where docker does not look for host devices (a privileged container gets its own). */
const SKIPPED = new Set(["/dev/pts", "/dev/shm", "/dev/mqueue", "/dev/.lxc", "/dev/.udev"]);

/** Every device node under the host's /dev (what --privileged exposes). */
export function allHostDevices(dir = "/dev"): SpecDevice[] {
  const devices: SpecDevice[] = [];
  for (const name of hostDirectoryNames(dir)) {
    const path = `${dir}/${name}`;
    if (SKIPPED.has(path) || path === "/dev/console") continue;
    const info = hostFileInfo(path);
    if (info?.type === "directory") devices.push(...allHostDevices(path));
    else if (info?.type === "char" || info?.type === "block") devices.push(hostDevice(path, path));
  }
  return devices;
}
