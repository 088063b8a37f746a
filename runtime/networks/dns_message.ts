/**
 * The little of DNS messages the embedded name server needs: the question
 * of a query, and answers to it (A or AAAA records, or none).
 * @module
 */

import { ipv6Bytes } from "./ipv6.ts";

/** Record types. */
export const DNS_TYPE_A = 1;
export const DNS_TYPE_AAAA = 28;

/** Response codes. */
export const DNS_NOERROR = 0;
export const DNS_SERVFAIL = 2;

/** The first question of a query. */
export interface DnsQuestion {
  id: number;
  /** Lower case, without the final dot. */
  name: string;
  type: number;
  /** Where the question section ends in the query. */
  end: number;
}

/** The question of a standard query; undefined when it is not one. */
export function parseQuery(packet: Uint8Array): DnsQuestion | undefined {
  if (packet.length < 17) return undefined;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const flags = view.getUint16(2);
  // A query (QR 0), opcode 0, with at least one question.
  if (flags & 0x8000 || (flags >> 11) & 0xf || view.getUint16(4) < 1) return undefined;
  const labels: string[] = [];
  let offset = 12;
  for (;;) {
    if (offset >= packet.length) return undefined;
    const length = packet[offset++];
    if (length === 0) break;
    if (length > 63 || offset + length > packet.length) return undefined;
    labels.push(new TextDecoder().decode(packet.subarray(offset, offset + length)));
    offset += length;
  }
  if (offset + 4 > packet.length) return undefined;
  return {
    id: view.getUint16(0),
    name: labels.join(".").toLowerCase(),
    type: view.getUint16(offset),
    end: offset + 4,
  };
}

/**
 * The answer to `query`: its question and a record per address (none is an
 * empty answer): an A record for an IPv4 address (a number), an AAAA record
 * for an IPv6 one (a bigint), with `rcode`.
 */
export function answer(
  query: Uint8Array,
  question: DnsQuestion,
  addresses: (number | bigint)[],
  rcode = DNS_NOERROR,
  ttl = 600,
): Uint8Array {
  const size = addresses.reduce<number>(
    (total, address) => total + (typeof address === "bigint" ? 28 : 16),
    0,
  );
  const out = new Uint8Array(question.end + size);
  out.set(query.subarray(0, question.end));
  const view = new DataView(out.buffer);
  const recursionDesired = new DataView(query.buffer, query.byteOffset).getUint16(2) & 0x0100;
  // QR, RD as asked, RA, the code; one question, the answers, nothing else.
  view.setUint16(2, 0x8000 | recursionDesired | 0x0080 | rcode);
  view.setUint16(4, 1);
  view.setUint16(6, addresses.length);
  view.setUint16(8, 0);
  view.setUint16(10, 0);
  let offset = question.end;
  for (const address of addresses) {
    const v6 = typeof address === "bigint";
    view.setUint16(offset, 0xc00c); // the name: a pointer to the question's
    view.setUint16(offset + 2, v6 ? DNS_TYPE_AAAA : DNS_TYPE_A);
    view.setUint16(offset + 4, 1); // IN
    view.setUint32(offset + 6, ttl);
    view.setUint16(offset + 10, v6 ? 16 : 4);
    if (v6) out.set(ipv6Bytes(address), offset + 12);
    else view.setUint32(offset + 12, address);
    offset += v6 ? 28 : 16;
  }
  return out;
}
