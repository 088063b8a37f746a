/**
 * `berth inspect [OPTIONS] NAME|ID [NAME|ID...]`: containers, images or
 * volumes.
 * @module
 */

import { DaemonError } from "../api_client.ts";
import type { Command } from "../command.ts";
import { GoTemplate } from "../go_template.ts";
import { errLine, out } from "../output.ts";

/** Where each type of object is inspected, in docker's search order. */
const PATHS: Record<string, (name: string) => string> = {
  container: (name) => `/containers/${name}/json`,
  image: (name) => `/images/${name}/json`,
  volume: (name) => `/volumes/${name}`,
  network: (name) => `/networks/${name}`,
};

export const command: Command = {
  usage: "inspect [OPTIONS] NAME|ID [NAME|ID...]",
  description: "Return low-level information on containers, images, volumes or networks",
  flags: [
    {
      name: "format",
      short: "f",
      type: "string",
      value: "string",
      description: "Format output using a custom template ('json' or a Go template)",
    },
    {
      name: "size",
      short: "s",
      type: "bool",
      description: "Display total file sizes if the type is container",
    },
    {
      name: "type",
      type: "string",
      value: "string",
      description: "Only inspect objects of the given type (container, image, volume, network)",
    },
  ],
  minArgs: 1,
  async run({ client }, flags) {
    const type = flags.string("type");
    if (type && !Object.hasOwn(PATHS, type)) {
      errLine(`"${type}" is not a valid value for --type`);
      return 1;
    }
    const format = flags.string("format");
    const template = format && format !== "json" ? new GoTemplate(format) : undefined;
    const found: unknown[] = [];
    let status = 0;
    for (const name of flags.positionals) {
      const attempts = (type ? [PATHS[type]] : Object.values(PATHS)).map((path) =>
        path(encodeURIComponent(name))
      );
      let object: unknown;
      for (const path of attempts) {
        try {
          object = await client.json("GET", path);
          break;
        } catch (error) {
          if (!(error instanceof DaemonError && error.status === 404)) throw error;
        }
      }
      if (object === undefined) {
        errLine(`Error: No such ${type ?? "object"}: ${name}`);
        status = 1;
        continue;
      }
      found.push(object);
    }
    if (template) {
      out(found.map((object) => template.execute(object) + "\n").join(""));
    } else if (format === "json") {
      out(found.map((object) => JSON.stringify(object) + "\n").join(""));
    } else {
      out(JSON.stringify(found, null, 4) + "\n");
    }
    return status;
  },
};
