/**
 * `berth network connect [OPTIONS] NETWORK CONTAINER`: docker's flags
 * (--alias, --ip, --ip6, --link, --link-local-ip, --driver-opt) as the
 * endpoint's settings.
 * @module
 */

import type { Command } from "../command.ts";
import { keyValues } from "../flags.ts";

export const command: Command = {
  usage: "network connect [OPTIONS] NETWORK CONTAINER",
  description: "Connect a container to a network",
  flags: [
    { name: "alias", type: "list", value: "strings", description: "Add network-scoped alias" },
    { name: "ip", type: "string", value: "string", description: "IPv4 address" },
    { name: "ip6", type: "string", value: "string", description: "IPv6 address" },
    { name: "link", type: "list", value: "list", description: "Add link to another container" },
    {
      name: "link-local-ip",
      type: "list",
      value: "strings",
      description: "Add a link-local address",
    },
    { name: "driver-opt", type: "list", value: "strings", description: "driver options" },
  ],
  minArgs: 2,
  maxArgs: 2,
  async run({ client }, flags) {
    const [network, container] = flags.positionals;
    const ip = flags.string("ip");
    const ip6 = flags.string("ip6");
    const linkLocal = flags.list("link-local-ip");
    const driverOpts = flags.list("driver-opt");
    await client.call("POST", `/networks/${encodeURIComponent(network)}/connect`, {
      body: {
        Container: container,
        EndpointConfig: {
          IPAMConfig: ip || ip6 || linkLocal.length
            ? { IPv4Address: ip ?? "", IPv6Address: ip6 ?? "", LinkLocalIPs: linkLocal }
            : null,
          Links: flags.list("link"),
          Aliases: flags.list("alias"),
          DriverOpts: driverOpts.length ? keyValues(driverOpts, "driver option") : null,
        },
      },
    });
    return 0;
  },
};
