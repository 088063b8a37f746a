/**
 * What the kernel's execve accepts as a command line and environment
 * (fs/exec.c): each string at most MAX_ARG_STRLEN bytes with its NUL, and
 * all strings and their pointers within a quarter of the stack limit
 * (ARG_MAX, 2 MiB for the default 8 MiB stack; never below 128 KiB, never
 * above 6 MiB). A process past either would fail with E2BIG inside the
 * runtime, after the container had been made: berth refuses it up front.
 * @module
 */

import { BadRequest } from "../errors.ts";
import type { Ulimit } from "../containers/container.ts";

/** Longest single argument or environment entry, its NUL included (32 pages). */
export const MAX_ARG_STRLEN = 32 * 4096;
/** The stack limit of a process that sets none (the kernel's _STK_LIM). */
const DEFAULT_STACK_LIMIT = 8 * 1024 * 1024;
/** Room kept for what is only known at start: the resolved executable path and HOME. */
const START_TIME_SLACK = 8 * 1024;
const POINTER_SIZE = 8;

/** Bytes execve gives strings and pointers for a process with this stack limit. */
export function argumentSpace(stackLimit = DEFAULT_STACK_LIMIT): number {
  return Math.max(Math.min(Math.floor(stackLimit / 4), 6 * 1024 * 1024), MAX_ARG_STRLEN);
}

/** The soft stack limit asked for in `ulimits`, if any. */
export function stackLimit(ulimits: Ulimit[] | null | undefined): number | undefined {
  const stack = (ulimits ?? []).find((limit) => limit.Name === "stack");
  return stack && stack.Soft >= 0 ? stack.Soft : undefined;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB`
    : `${Math.ceil(bytes / 1024)} KiB`;
}

/**
 * Refuse (400) a command and environment that execve would refuse with
 * E2BIG ("argument list too long").
 */
export function checkArgumentSize(
  args: string[],
  env: string[],
  options: { stackLimit?: number } = {},
): void {
  const encoder = new TextEncoder();
  let total = START_TIME_SLACK + (Math.max(args.length, 1) + env.length) * POINTER_SIZE;
  const check = (text: string, what: () => string) => {
    const size = encoder.encode(text).length + 1;
    if (size > MAX_ARG_STRLEN) {
      throw new BadRequest(
        `argument list too long: ${what()} is ${size - 1} bytes, and the kernel takes at most ` +
          `${MAX_ARG_STRLEN - 1} bytes per argument or environment variable`,
      );
    }
    total += size;
  };
  args.forEach((arg, index) => check(arg, () => `argument ${index} of the command`));
  for (const entry of env) check(entry, () => `the environment variable ${entry.split("=")[0]}`);
  const space = argumentSpace(options.stackLimit);
  if (total > space) {
    throw new BadRequest(
      `argument list too long: the command and its environment take ${formatBytes(total)}, ` +
        `and the kernel takes at most ${
          formatBytes(space)
        } (ARG_MAX, a quarter of the stack limit)`,
    );
  }
}
