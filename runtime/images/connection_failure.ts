/**
 * A request that never reached its registry, said in docker's words
 * (Go's net/http and net errors), which clients and people search for:
 * `Get "https://host:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused`.
 * Deno's fetch says "fetch failed" with the reason in its cause, and
 * refuses the fetch standard's "bad ports" without trying them.
 * @module
 */

/** The reason behind a failed fetch of `url`, as Go would give it. */
export async function connectionFailure(method: string, url: URL, error: unknown): Promise<string> {
  const text = [error, (error as { cause?: unknown })?.cause]
    .map((part) => part instanceof Error ? part.message : part === undefined ? "" : String(part))
    .join(" ");
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const address = `${url.hostname.replace(/^\[|\]$/g, "")}:${port}`;
  const refused = `dial tcp ${address}: connect: connection refused`;
  let reason: string;
  if (/Connection refused/i.test(text)) reason = refused;
  else if (/dns error|failed to lookup address/i.test(text)) {
    reason = `dial tcp: lookup ${url.hostname}: no such host`;
  } else if (/timed out/i.test(text)) reason = `dial tcp ${address}: i/o timeout`;
  else if (/Requests to port \d+ are blocked/.test(text)) {
    reason = await portAnswers(url.hostname, Number(port))
      ? `port ${port} is one the fetch standard blocks, so berth cannot talk HTTP to it`
      : refused;
  } else if (/certificate|tls|ssl/i.test(text)) {
    reason = `tls: failed to verify certificate: ${
      text.replace(/^.*?(?=invalid|certificate|tls)/i, "")
    }`;
  } else reason = text.trim() || "the connection failed";
  const verb = method.charAt(0) + method.slice(1).toLowerCase();
  return `${verb} "${url.href}": ${reason}`;
}

/** True when something accepts TCP connections at host:port. */
async function portAnswers(hostname: string, port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname, port })).close();
    return true;
  } catch {
    return false;
  }
}
