/**
 * `berth images [OPTIONS] [REPOSITORY[:TAG]]`
 * @module
 */

import { humanSize } from "../../lib/units.ts";
import { FILTER_FLAG, formatFlag } from "../common_flags.ts";
import type { Command } from "../command.ts";
import { formatRows, listFormat, out } from "../output.ts";
import { ago, goTimeString } from "../time_format.ts";
import { filtersJson } from "./ps.ts";

interface ImageSummary {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: number;
  Size: number;
  Containers: number;
  Labels: Record<string, string>;
}

const HEADERS: Record<string, string> = {
  Repository: "REPOSITORY",
  Tag: "TAG",
  ID: "IMAGE ID",
  Digest: "DIGEST",
  CreatedSince: "CREATED",
  CreatedAt: "CREATED AT",
  Size: "SIZE",
  Containers: "CONTAINERS",
};

const DEFAULT_FORMAT = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
/** With --digests, docker adds the digest after the tag. */
const DIGESTS_FORMAT =
  "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";

export const command: Command = {
  usage: "images [OPTIONS] [REPOSITORY[:TAG]]",
  description: "List images",
  flags: [
    {
      name: "all",
      short: "a",
      type: "bool",
      description: "Show all images (default hides intermediate images)",
    },
    { name: "digests", type: "bool", description: "Show digests" },
    FILTER_FLAG,
    formatFlag(),
    { name: "no-trunc", type: "bool", description: "Don't truncate output" },
    { name: "quiet", short: "q", type: "bool", description: "Only show image IDs" },
  ],
  maxArgs: 1,
  async run({ client }, flags) {
    const filters = [...flags.list("filter")];
    if (flags.positionals[0]) filters.push(`reference=${flags.positionals[0]}`);
    const images = await client.json<ImageSummary[]>("GET", "/images/json", {
      query: { all: flags.bool("all"), filters: filtersJson(filters) },
    });
    const noTrunc = flags.bool("no-trunc");
    const now = Date.now();
    const rows: Record<string, unknown>[] = [];
    for (const image of images) {
      const tags = image.RepoTags.length ? image.RepoTags : ["<none>:<none>"];
      for (const tag of tags) {
        const colon = tag.lastIndexOf(":");
        rows.push({
          Repository: tag.slice(0, colon),
          Tag: tag.slice(colon + 1),
          ID: noTrunc ? image.Id : image.Id.replace(/^sha256:/, "").slice(0, 12),
          Digest: image.RepoDigests[0]?.split("@")[1] ?? "<none>",
          CreatedSince: ago(image.Created * 1000, now),
          CreatedAt: goTimeString(image.Created * 1000),
          Size: humanSize(image.Size),
          Containers: String(image.Containers),
        });
      }
    }
    const standard = flags.bool("digests") ? DIGESTS_FORMAT : DEFAULT_FORMAT;
    const format = listFormat(flags, standard);
    if (flags.bool("quiet")) {
      out([...new Set(rows.map((item) => String(item.ID)))].map((id) => id + "\n").join(""));
      return 0;
    }
    out(formatRows(format, rows, HEADERS));
    return 0;
  },
};
