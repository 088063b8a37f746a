/**
 * Container ids (64 hex digits, as docker) and names: validation and the
 * random `adjective_surname` names given when none is asked for.
 * @module
 */

/** A new random 64-hex-digit id. */
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The 12-digit form shown by ps and images. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, "").slice(0, 12);
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Docker's rule for container names; returns the name without "/". */
export function validateContainerName(name: string): string | undefined {
  const bare = name.startsWith("/") ? name.slice(1) : name;
  return NAME.test(bare) ? bare : undefined;
}

const ADJECTIVES = [
  "agile",
  "bold",
  "brave",
  "bright",
  "calm",
  "clever",
  "cool",
  "crisp",
  "daring",
  "eager",
  "fervent",
  "fond",
  "gentle",
  "glad",
  "happy",
  "hardy",
  "keen",
  "kind",
  "lively",
  "loyal",
  "lucid",
  "merry",
  "modest",
  "nifty",
  "noble",
  "patient",
  "plucky",
  "proud",
  "quick",
  "quiet",
  "rapid",
  "ready",
  "serene",
  "sharp",
  "shy",
  "sleek",
  "smart",
  "snug",
  "spry",
  "steady",
  "stoic",
  "sunny",
  "swift",
  "tender",
  "tidy",
  "trusty",
  "upbeat",
  "vivid",
  "warm",
  "witty",
];

const SURNAMES = [
  "agnesi",
  "bardeen",
  "bohr",
  "cannon",
  "carson",
  "curie",
  "darwin",
  "dijkstra",
  "euler",
  "faraday",
  "fermi",
  "feynman",
  "franklin",
  "galileo",
  "gauss",
  "goodall",
  "hamilton",
  "hawking",
  "hopper",
  "hypatia",
  "johnson",
  "kepler",
  "knuth",
  "lamarr",
  "lovelace",
  "maxwell",
  "meitner",
  "mendel",
  "newton",
  "noether",
  "pasteur",
  "pascal",
  "planck",
  "raman",
  "ritchie",
  "rubin",
  "sagan",
  "shannon",
  "somerville",
  "tesla",
  "thompson",
  "torvalds",
  "turing",
  "volta",
  "wozniak",
  "wu",
  "yalow",
  "yonath",
  "zuse",
  "kowalevski",
];

/** A random docker-style name such as `swift_noether`. */
export function randomName(): string {
  const [a, b] = crypto.getRandomValues(new Uint32Array(2));
  return `${ADJECTIVES[a % ADJECTIVES.length]}_${SURNAMES[b % SURNAMES.length]}`;
}
