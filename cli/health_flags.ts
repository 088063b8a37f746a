/**
 * The healthcheck flags of `create` and `run` and the Config.Healthcheck
 * they make, as the docker CLI makes it (durations in nanoseconds).
 * @module
 */

import { parseGoDuration } from "../lib/units.ts";
import { type Flags, type FlagSpec, UsageError } from "./flags.ts";

const duration = (name: string, description: string): FlagSpec => ({
  name,
  type: "string",
  value: "duration",
  description,
});

/** The flags, as docker spells them. */
export const HEALTH_FLAGS: FlagSpec[] = [
  {
    name: "health-cmd",
    type: "string",
    value: "string",
    description: "Command to run to check health",
  },
  duration("health-interval", "Time between running the check (ms|s|m|h) (default 0s)"),
  duration("health-timeout", "Maximum time to allow one check to run (ms|s|m|h) (default 0s)"),
  duration("health-start-period", "Start period for the container to initialize (ms|s|m|h)"),
  duration("health-start-interval", "Time between running the check during the start period"),
  {
    name: "health-retries",
    type: "int",
    value: "int",
    description: "Consecutive failures needed to report unhealthy",
  },
  {
    name: "no-healthcheck",
    type: "bool",
    description: "Disable any container-specified HEALTHCHECK",
  },
];

function nanoseconds(flags: Flags, name: string): number | undefined {
  const text = flags.string(name);
  if (text === undefined) return undefined;
  const ms = parseGoDuration(text);
  if (ms === undefined) {
    throw new UsageError(`invalid argument "${text}" for "--${name}" flag: invalid duration`);
  }
  return Math.round(ms * 1e6);
}

/** Config.Healthcheck from the flags; undefined when none is given (the image's applies). */
export function healthcheck(flags: Flags): Record<string, unknown> | undefined {
  const check = {
    Test: flags.string("health-cmd") === undefined
      ? undefined
      : ["CMD-SHELL", flags.string("health-cmd")!],
    Interval: nanoseconds(flags, "health-interval"),
    Timeout: nanoseconds(flags, "health-timeout"),
    StartPeriod: nanoseconds(flags, "health-start-period"),
    StartInterval: nanoseconds(flags, "health-start-interval"),
    Retries: flags.int("health-retries"),
  };
  const given = Object.values(check).some((value) => value !== undefined);
  if (flags.bool("no-healthcheck")) {
    if (given) throw new UsageError("--no-healthcheck conflicts with --health-* options");
    return { Test: ["NONE"] };
  }
  return given ? check : undefined;
}
