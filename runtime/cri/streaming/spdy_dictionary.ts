/**
 * The fixed zlib dictionary of SPDY/3 header blocks (the protocol's
 * constant, section 2.6.10.1 of the SPDY/3 draft): 65 common header words,
 * each with a 4-byte big-endian length before it, then a run of status
 * lines, dates and media types as plain text.
 * @module
 */

const WORDS = [
  "options",
  "head",
  "post",
  "put",
  "delete",
  "trace",
  "accept",
  "accept-charset",
  "accept-encoding",
  "accept-language",
  "accept-ranges",
  "age",
  "allow",
  "authorization",
  "cache-control",
  "connection",
  "content-base",
  "content-encoding",
  "content-language",
  "content-length",
  "content-location",
  "content-md5",
  "content-range",
  "content-type",
  "date",
  "etag",
  "expect",
  "expires",
  "from",
  "host",
  "if-match",
  "if-modified-since",
  "if-none-match",
  "if-range",
  "if-unmodified-since",
  "last-modified",
  "location",
  "max-forwards",
  "pragma",
  "proxy-authenticate",
  "proxy-authorization",
  "range",
  "referer",
  "retry-after",
  "server",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "user-agent",
  "vary",
  "via",
  "warning",
  "www-authenticate",
  "method",
  "get",
  "status",
  "200 OK",
  "version",
  "HTTP/1.1",
  "url",
  "public",
  "set-cookie",
  "keep-alive",
  "origin",
]; // deno-fmt-ignore

const TAIL = "100101201202205206300302303304305306307402405406407408409410411412413414415416417" +
  "502504505203 Non-Authoritative Information204 No Content301 Moved Permanently" +
  "400 Bad Request401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error" +
  "501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec " +
  "00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg," +
  "image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivate" +
  "max-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";

function buildDictionary(): Uint8Array {
  const encoder = new TextEncoder();
  const parts: number[] = [];
  for (const word of WORDS) {
    const bytes = encoder.encode(word);
    parts.push(0, 0, 0, bytes.length, ...bytes);
  }
  parts.push(...encoder.encode(TAIL));
  return new Uint8Array(parts);
}

/** The dictionary both ends preset in their header (de)compressors (1423 bytes). */
export const SPDY_DICTIONARY: Uint8Array = buildDictionary();
