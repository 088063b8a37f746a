/**
 * The name server of a user-defined network, in the daemon, on the
 * network's gateway address: it answers for the containers on the network
 * (names, aliases, short ids) and passes other questions on to the host's
 * name servers. Containers on a user-defined network have it as their
 * nameserver, as docker's have its embedded DNS (which also lives in the
 * daemon: while no daemon runs, names are not resolved).
 * @module
 */

import dgram from "node:dgram";
import { log } from "../logger.ts";
import { answer, DNS_SERVFAIL, DNS_TYPE_A, DNS_TYPE_AAAA, parseQuery } from "./dns_message.ts";

/** How long a question passed on may wait for its answer. */
const UPSTREAM_TIMEOUT_MS = 3_000;

/**
 * The addresses a name has for the asker (by its address on the network):
 * IPv4 ones as numbers, IPv6 ones as bigints; undefined when it is not one
 * of the names the asker can see.
 */
export type NameLookup = (name: string, asker: string) => (number | bigint)[] | undefined;

/** A UDP name server on one address. */
export class DnsServer {
  #socket: dgram.Socket | undefined;

  constructor(
    readonly address: string,
    readonly lookup: NameLookup,
    readonly upstreams: string[],
  ) {}

  /** Listen on port 53 of the address. */
  start(): Promise<void> {
    const socket = dgram.createSocket("udp4");
    this.#socket = socket;
    socket.on("message", (message, from) => this.#answer(message, from));
    return new Promise((resolve, reject) => {
      const failed = (error: Error) => {
        this.close();
        reject(error);
      };
      socket.once("error", failed);
      socket.bind(53, this.address, () => {
        socket.off("error", failed);
        socket.on("error", (error) => log.warn("name server error", { error: `${error}` }));
        resolve();
      });
    });
  }

  close(): void {
    try {
      this.#socket?.close();
    } catch {
      // closed already
    }
    this.#socket = undefined;
  }

  #answer(message: Uint8Array, from: dgram.RemoteInfo): void {
    const question = parseQuery(message);
    if (!question) return;
    const reply = (bytes: Uint8Array) => this.#socket?.send(bytes, from.port, from.address);
    const addresses = this.lookup(question.name, from.address);
    if (addresses) {
      // One of ours: its addresses of the family asked for, no records of other types.
      const wanted = question.type === DNS_TYPE_A
        ? addresses.filter((address) => typeof address === "number")
        : question.type === DNS_TYPE_AAAA
        ? addresses.filter((address) => typeof address === "bigint")
        : [];
      reply(answer(message, question, wanted));
      return;
    }
    const upstream = this.upstreams[0];
    if (!upstream) return reply(answer(message, question, [], DNS_SERVFAIL));
    const relay = dgram.createSocket("udp4");
    const done = () => {
      clearTimeout(timer);
      try {
        relay.close();
      } catch {
        // closed already
      }
    };
    const timer = setTimeout(() => {
      reply(answer(message, question, [], DNS_SERVFAIL));
      done();
    }, UPSTREAM_TIMEOUT_MS);
    relay.on("message", (response) => {
      reply(response);
      done();
    });
    relay.on("error", done);
    relay.send(message, 53, upstream);
  }
}
