import { deepStrictEqual } from "node:assert/strict";
import {
  answer,
  DNS_SERVFAIL,
  DNS_TYPE_A,
  parseQuery,
} from "../../runtime/networks/dns_message.ts";
import { parseIpv4 } from "../../runtime/networks/ipv4.ts";

/** A query for `name` as a resolver sends it (RD set, one question, an EDNS record). */
function query(name: string, type: number): Uint8Array {
  const labels = name.split(".").flatMap((
    label,
  ) => [label.length, ...new TextEncoder().encode(label)]);
  return new Uint8Array([
    0x12,
    0x34,
    0x01,
    0x00,
    0,
    1,
    0,
    0,
    0,
    0,
    0,
    1,
    ...labels,
    0,
    0,
    type,
    0,
    1,
    0,
    0,
    41,
    16,
    0,
    0,
    0,
    0,
    0,
    0,
    0, // OPT
  ]);
}

Deno.test("the name server reads a query's question and answers with A records", () => {
  const packet = query("DB.appnet", DNS_TYPE_A);
  const question = parseQuery(packet)!;
  deepStrictEqual([question.id, question.name, question.type], [0x1234, "db.appnet", DNS_TYPE_A]);
  const reply = answer(packet, question, [parseIpv4("10.89.0.2")!, parseIpv4("10.89.0.3")!]);
  const view = new DataView(reply.buffer);
  // Same id; a response, recursion desired and available, no error; 1 question, 2 answers.
  deepStrictEqual(
    [
      view.getUint16(0),
      view.getUint16(2),
      view.getUint16(4),
      view.getUint16(6),
      view.getUint16(10),
    ],
    [0x1234, 0x8180, 1, 2, 0],
  );
  const first = question.end;
  deepStrictEqual([...reply.subarray(first, first + 16)], [
    0xc0,
    0x0c,
    0,
    1,
    0,
    1,
    0,
    0,
    2,
    0x58,
    0,
    4,
    10,
    89,
    0,
    2,
  ]);
  deepStrictEqual(reply.length, question.end + 32);
  const failed = new DataView(answer(packet, question, [], DNS_SERVFAIL).buffer);
  deepStrictEqual([failed.getUint16(2) & 0xf, failed.getUint16(6)], [DNS_SERVFAIL, 0]);
});

Deno.test("what is not a standard query is not answered", () => {
  const response = query("db", DNS_TYPE_A);
  response[2] |= 0x80; // QR: a response
  deepStrictEqual(parseQuery(response), undefined);
  deepStrictEqual(parseQuery(new Uint8Array(10)), undefined);
  const truncated = query("db", DNS_TYPE_A).subarray(0, 15);
  deepStrictEqual(parseQuery(truncated), undefined);
});
