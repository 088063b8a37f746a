/**
 * `berth network create [OPTIONS] NETWORK`: a user-defined bridge network.
 * @module
 */

import type { Command } from "../command.ts";
import { keyValues } from "../flags.ts";
import { outLine } from "../output.ts";

export const command: Command = {
  usage: "network create [OPTIONS] NETWORK",
  description: "Create a network",
  flags: [
    {
      name: "driver",
      short: "d",
      type: "string",
      value: "string",
      description: 'Driver to manage the Network (default "bridge")',
    },
    {
      name: "subnet",
      type: "string",
      value: "string",
      description: "Subnet in CIDR format that represents a network segment",
    },
    {
      name: "gateway",
      type: "string",
      value: "string",
      description: "IPv4 Gateway for the master subnet",
    },
    { name: "label", type: "list", value: "list", description: "Set metadata on a network" },
    { name: "internal", type: "bool", description: "Restrict external access to the network" },
    { name: "ipv6", type: "bool", description: "Enable IPv6 networking" },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run({ client }, flags) {
    const subnet = flags.string("subnet");
    const gateway = flags.string("gateway");
    const created = await client.json<{ Id: string }>("POST", "/networks/create", {
      body: {
        Name: flags.positionals[0],
        Driver: flags.string("driver") ?? "bridge",
        Internal: flags.bool("internal"),
        EnableIPv6: flags.bool("ipv6"),
        IPAM: {
          Driver: "default",
          Config: subnet || gateway ? [{ Subnet: subnet, Gateway: gateway }] : [],
        },
        Labels: keyValues(flags.list("label"), "label"),
      },
    });
    outLine(created.Id);
    return 0;
  },
};
