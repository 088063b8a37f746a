/**
 * Image references as docker spells them: `busybox`, `busybox:1.36`,
 * `user/app`, `registry:5000/team/app:tag`, `app@sha256:...`. Stored fully
 * qualified (`docker.io/library/busybox:latest`), shown familiar
 * (`busybox:latest`).
 * @module
 */

import { BadRequest } from "../errors.ts";

/** A parsed image reference. */
export interface ImageReference {
  /** Registry host, `docker.io` by default. */
  domain: string;
  /** Repository path, `library/busybox` for official images. */
  path: string;
  tag?: string;
  digest?: string;
}

export const DEFAULT_DOMAIN = "docker.io";
export const DEFAULT_TAG = "latest";

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
/** A digest as go-digest takes it: a known algorithm and that many lowercase hex digits. */
const DIGEST = /^(?:sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;
const DOMAIN =
  /^(?:localhost|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+|[a-zA-Z0-9-]+:\d+|(?:[a-zA-Z0-9-]+\.)+[a-zA-Z0-9-]+:\d+|localhost:\d+|\[[0-9a-fA-F:]+\](?::\d+)?)$/;

/** Parse a reference; throws BadRequest("invalid reference format...") when malformed. */
export function parseReference(text: string): ImageReference {
  const invalid = (why = "") => new BadRequest(`invalid reference format${why}`);
  if (!text || text.length > 255 + 128) throw invalid();
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid();
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(":");
  if (lastColon > rest.lastIndexOf("/")) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) throw invalid();
  }
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf("/");
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes(".") || first.includes(":") || first === "localhost") {
      if (!DOMAIN.test(first)) throw invalid();
      domain = first;
      path = rest.slice(slash + 1);
    }
  }
  if (domain === "index.docker.io") domain = DEFAULT_DOMAIN;
  if (path !== path.toLowerCase()) {
    throw invalid(`: repository name (${path}) must be lowercase`);
  }
  const components = path.split("/");
  if (!path || !components.every((part) => COMPONENT.test(part))) throw invalid();
  if (domain === DEFAULT_DOMAIN && components.length === 1) path = `library/${path}`;
  return { domain, path, tag, digest };
}

/** The reference with `latest` filled in when it has neither tag nor digest. */
export function withDefaultTag(reference: ImageReference): ImageReference {
  return reference.tag || reference.digest ? reference : { ...reference, tag: DEFAULT_TAG };
}

/** Repository name, fully qualified: `docker.io/library/busybox`. */
export function fullRepository(reference: ImageReference): string {
  return `${reference.domain}/${reference.path}`;
}

/** Repository name as docker shows it: `busybox`, `user/app`, `host:5000/app`. */
export function familiarRepository(reference: ImageReference): string {
  if (reference.domain !== DEFAULT_DOMAIN) return `${reference.domain}/${reference.path}`;
  return reference.path.startsWith("library/") && reference.path.split("/").length === 2
    ? reference.path.slice("library/".length)
    : reference.path;
}

/** The full string form, `docker.io/library/busybox:latest`. */
export function formatFull(reference: ImageReference): string {
  return formatWith(fullRepository(reference), reference);
}

/** The familiar string form, `busybox:latest`. */
export function formatFamiliar(reference: ImageReference): string {
  return formatWith(familiarRepository(reference), reference);
}

function formatWith(repository: string, reference: ImageReference): string {
  let text = repository;
  if (reference.tag) text += `:${reference.tag}`;
  if (reference.digest) text += `@${reference.digest}`;
  return text;
}

/** `docker.io/library/busybox:latest` → `busybox:latest`. */
export function familiarize(full: string): string {
  return formatFamiliar(parseReference(full));
}
