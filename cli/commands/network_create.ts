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
      type: "list",
      value: "strings",
      description: "Subnet in CIDR format that represents a network segment",
    },
    {
      name: "gateway",
      type: "list",
      value: "strings",
      description: "IPv4 or IPv6 Gateway for the master subnet",
    },
    { name: "label", type: "list", value: "list", description: "Set metadata on a network" },
    { name: "internal", type: "bool", description: "Restrict external access to the network" },
    { name: "ipv6", type: "bool", description: "Enable IPv6 networking" },
    {
      name: "ip-range",
      type: "string",
      value: "string",
      description: "Allocate container ip from a sub-range",
    },
    {
      name: "aux-address",
      type: "list",
      value: "map",
      description: "Auxiliary IPv4 or IPv6 addresses used by Network driver",
    },
    {
      name: "opt",
      short: "o",
      type: "list",
      value: "map",
      description: "Set driver specific options",
    },
    { name: "attachable", type: "bool", description: "Enable manual container attachment" },
    { name: "ingress", type: "bool", description: "Create swarm routing-mesh network" },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run({ client }, flags) {
    // A subnet of each family, with the gateway of its family (docker pairs them so).
    const family = (text: string) => text.includes(":") ? "v6" : "v4";
    const subnets = flags.list("subnet");
    const gateways = flags.list("gateway");
    const ipRange = flags.string("ip-range");
    const aux = flags.list("aux-address");
    const v4Subnet = subnets.find((item) => family(item) === "v4");
    const v4Gateway = gateways.find((item) => family(item) === "v4");
    const v6Subnet = subnets.find((item) => family(item) === "v6");
    const v6Gateway = gateways.find((item) => family(item) === "v6");
    const created = await client.json<{ Id: string }>("POST", "/networks/create", {
      body: {
        Name: flags.positionals[0],
        Driver: flags.string("driver") ?? "bridge",
        Internal: flags.bool("internal"),
        EnableIPv6: flags.bool("ipv6"),
        IPAM: {
          Driver: "default",
          Config: [
            ...(v4Subnet || v4Gateway || ipRange || aux.length
              ? [{
                Subnet: v4Subnet,
                Gateway: v4Gateway,
                IPRange: ipRange,
                AuxiliaryAddresses: aux.length ? keyValues(aux, "aux-address") : undefined,
              }]
              : []),
            ...(v6Subnet || v6Gateway ? [{ Subnet: v6Subnet, Gateway: v6Gateway }] : []),
          ],
        },
        Options: keyValues(flags.list("opt"), "option"),
        Attachable: flags.bool("attachable"),
        Ingress: flags.bool("ingress"),
        Labels: keyValues(flags.list("label"), "label"),
      },
    });
    outLine(created.Id);
    return 0;
  },
};
