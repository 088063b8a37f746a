/**
 * Exec instances: a process run in a running container, each with a shim of
 * its own: a standby one from the pool (state in `<run-root>/c/<its id>`),
 * else one booted for it (`<run-root>/x/<exec-id>`). Kept in memory, as docker
 * keeps them; a daemon restart finds running ones again from their shims.
 * @module
 */

import { type DaemonContext } from "../daemon_context.ts";
import { NotFound } from "../errors.ts";

/** Docker's exec create body. */
export interface ExecRequest {
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  DetachKeys?: string;
  Tty?: boolean;
  ConsoleSize?: [number, number] | null;
  Env?: string[] | null;
  Cmd?: string[];
  Privileged?: boolean;
  User?: string;
  WorkingDir?: string;
}

/** One exec instance. */
export interface Exec {
  id: string;
  containerId: string;
  request: ExecRequest;
  started: boolean;
  running: boolean;
  pid: number;
  exitCode: number | null;
  /** Resolves once the exit code is known. */
  exited: Promise<void>;
  markExited(exitCode: number): void;
  /** Its shim's state dir, once started (a pooled shim's, or `<run-root>/x/<id>`). */
  stateDir?: string;
  /** Set after the first inspect of a finished exec: it is then forgotten soon. */
  forgetTimer?: ReturnType<typeof setTimeout>;
}

/** A new exec instance, not started. */
export function newExec(id: string, containerId: string, request: ExecRequest): Exec {
  let resolve!: () => void;
  const exited = new Promise<void>((done) => resolve = done);
  const exec: Exec = {
    id,
    containerId,
    request,
    started: false,
    running: false,
    pid: 0,
    exitCode: null,
    exited,
    markExited(exitCode: number) {
      exec.exitCode = exitCode;
      exec.running = false;
      resolve();
    },
  };
  return exec;
}

/** `KEY=value` entries of `overrides` replace those of `base` with the same key. */
export function mergeEnv(base: string[], overrides: string[]): string[] {
  const keys = new Set(overrides.map((entry) => entry.split("=")[0]));
  return [...base.filter((entry) => !keys.has(entry.split("=")[0])), ...overrides];
}

/** Where an exec's shim keeps its state. */
export function execStateDir(context: DaemonContext, id: string): string {
  return `${context.flags.runRoot}/x/${id}`;
}

/** The daemon's exec instances. */
export class ExecStore {
  #execs = new Map<string, Exec>();

  /** An exec by id; NotFound with docker's message. */
  get(id: string): Exec {
    const exec = this.#execs.get(id);
    if (!exec) throw new NotFound(`No such exec instance: ${id}`);
    return exec;
  }

  add(exec: Exec): void {
    this.#execs.set(exec.id, exec);
  }

  delete(id: string): void {
    const exec = this.#execs.get(id);
    if (exec?.forgetTimer) clearTimeout(exec.forgetTimer);
    this.#execs.delete(id);
  }

  /** Exec ids of a container. */
  idsOf(containerId: string): string[] {
    return [...this.#execs.values()].filter((exec) => exec.containerId === containerId).map((
      exec,
    ) => exec.id);
  }
}
