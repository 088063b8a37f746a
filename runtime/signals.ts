/**
 * Linux signal names and numbers, as `kill -s`, `--stop-signal` and the API
 * accept them: `KILL`, `SIGKILL`, `9`, `SIGRTMIN+3`.
 * @module
 */

/** Signal numbers by name (without "SIG"). */
export const SIGNALS: Record<string, number> = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  IOT: 6,
  BUS: 7,
  FPE: 8,
  KILL: 9,
  USR1: 10,
  SEGV: 11,
  USR2: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  STKFLT: 16,
  CHLD: 17,
  CONT: 18,
  STOP: 19,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  XCPU: 24,
  XFSZ: 25,
  VTALRM: 26,
  PROF: 27,
  WINCH: 28,
  IO: 29,
  POLL: 29,
  PWR: 30,
  SYS: 31,
};

const RTMIN = 34;
const RTMAX = 64;

/** Parse a signal; undefined when it is not one. */
export function parseSignal(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) {
    const number = Number(trimmed);
    return number >= 1 && number <= RTMAX ? number : undefined;
  }
  const name = trimmed.toUpperCase().replace(/^SIG/, "");
  if (name in SIGNALS) return SIGNALS[name];
  const realtime = /^RTMIN(?:\+(\d+))?$/.exec(name) ?? /^RTMAX(?:-(\d+))?$/.exec(name);
  if (realtime) {
    const offset = Number(realtime[1] ?? 0);
    const number = name.startsWith("RTMIN") ? RTMIN + offset : RTMAX - offset;
    return number >= RTMIN && number <= RTMAX ? number : undefined;
  }
  return undefined;
}

/** `SIGTERM` for 15. */
export function signalName(number: number): string {
  const name = Object.entries(SIGNALS).find(([, value]) => value === number)?.[0];
  return name ? `SIG${name}` : String(number);
}
