/**
 * `berth import [OPTIONS] file|- [REPOSITORY[:TAG]]`
 * @module
 */

import type { Command } from "../command.ts";
import { openInput, printJsonMessages } from "../input_file.ts";
import { errLine, outLine } from "../output.ts";
import { splitTag } from "./tag.ts";

export const command: Command = {
  usage: "import [OPTIONS] file|- [REPOSITORY[:TAG]]",
  description: "Import the contents from a tarball to create a filesystem image",
  flags: [
    {
      name: "change",
      short: "c",
      type: "list",
      value: "list",
      description: "Apply Dockerfile instruction to the created image",
    },
    {
      name: "message",
      short: "m",
      type: "string",
      value: "string",
      description: "Set commit message for imported image",
    },
    {
      name: "platform",
      type: "string",
      value: "string",
      description: "Set platform if server is multi-platform capable",
    },
  ],
  minArgs: 1,
  maxArgs: 2,
  async run({ client }, flags) {
    const [source, reference] = flags.positionals;
    if (/^https?:\/\//.test(source)) {
      errLine("importing from a URL is not supported: download the file and import it");
      return 1;
    }
    const body = await openInput(source);
    if (!body) return 1;
    const { repo, tag } = reference ? splitTag(reference) : { repo: undefined, tag: undefined };
    const response = await client.request("POST", "/images/create", {
      query: {
        fromSrc: "-",
        repo,
        tag,
        message: flags.string("message"),
        changes: flags.list("change"),
      },
      body,
      headers: { "Content-Type": "application/x-tar" },
    });
    return printJsonMessages(await response.text(), outLine);
  },
};
