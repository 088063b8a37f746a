/**
 * `berth logs [OPTIONS] CONTAINER`
 * @module
 */

import type { Command } from "../command.ts";
import { errOut, out } from "../output.ts";
import { demultiplex } from "../stream_demux.ts";
import { timestampParameter } from "../time_format.ts";

export const command: Command = {
  usage: "logs [OPTIONS] CONTAINER",
  description: "Fetch the logs of a container",
  flags: [
    { name: "follow", short: "f", type: "bool", description: "Follow log output" },
    {
      name: "since",
      type: "string",
      value: "string",
      description:
        'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)',
    },
    {
      name: "until",
      type: "string",
      value: "string",
      description:
        'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)',
    },
    {
      name: "tail",
      short: "n",
      type: "string",
      value: "string",
      description: "Number of lines to show from the end of the logs",
      default: "all",
    },
    { name: "timestamps", short: "t", type: "bool", description: "Show timestamps" },
    { name: "details", type: "bool", description: "Show extra details provided to logs" },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run({ client }, flags) {
    const [container] = flags.positionals;
    const since = flags.string("since");
    const until = flags.string("until");
    const response = await client.request(
      "GET",
      `/containers/${encodeURIComponent(container)}/logs`,
      {
        query: {
          stdout: true,
          stderr: true,
          follow: flags.bool("follow"),
          timestamps: flags.bool("timestamps"),
          tail: flags.string("tail"),
          since: since ? timestampParameter(since, Date.now(), "since") : undefined,
          until: until ? timestampParameter(until, Date.now(), "until") : undefined,
        },
      },
    );
    const raw = !response.headers.get("content-type")?.includes("multiplexed");
    await demultiplex(response.chunks(), {
      stdout: (chunk) => out(chunk),
      stderr: errOut,
    }, raw);
    return 0;
  },
};
