/**
 * Images in docker's API shapes: GET /images/json and /images/{name}/json.
 * @module
 */

import { parseRfc3339 } from "../../protocol/timestamp.ts";
import { BadRequest } from "../errors.ts";
import type { ContainerStore } from "../containers/container_store.ts";
import { type Filters, matchesLabel } from "../filters.ts";
import type { Image, ImageStore } from "./image_store.ts";
import type { LayerStore } from "./layer_store.ts";
import { familiarize } from "./reference.ts";

function created(image: Image): string {
  return image.config.created ?? image.stored;
}

const IMAGE_FILTERS = ["dangling", "reference", "label", "before", "since"];

/** Match a reference filter (`busybox`, `busybox:*`, `*:1.36`) against a tag. */
function matchesReference(tag: string, pattern: string): boolean {
  const familiar = familiarize(tag);
  const glob = (text: string) =>
    new RegExp("^" + text.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*") + "$");
  const repository = familiar.slice(0, familiar.lastIndexOf(":"));
  return glob(pattern).test(familiar) || glob(pattern).test(repository);
}

/** GET /images/json */
export function listImages(
  images: ImageStore,
  containers: ContainerStore,
  options: { all: boolean; filters: Filters; digests: boolean },
) {
  for (const key of options.filters.keys()) {
    if (!IMAGE_FILTERS.includes(key)) throw new BadRequest(`invalid filter '${key}'`);
  }
  const bound = (key: string) => {
    const value = options.filters.get(key)?.[0];
    if (!value) return undefined;
    const image = images.resolve(value);
    return parseRfc3339(created(image));
  };
  const before = bound("before");
  const since = bound("since");
  const parents = new Set(images.list().flatMap((image) => image.parent ? [image.parent] : []));
  return images.list()
    .filter((image) => {
      // Untagged images others were built on (a build's steps) show only with all.
      const intermediate = image.tags.length === 0 && parents.has(image.id);
      if (intermediate && !options.all) return false;
      const dangling = options.filters.get("dangling")?.[0];
      if (dangling !== undefined) {
        const wanted = dangling === "true" || dangling === "1";
        if ((image.tags.length === 0 && !intermediate) !== wanted) return false;
      }
      const references = options.filters.get("reference") ?? [];
      if (
        references.length &&
        !image.tags.some((tag) => references.some((pattern) => matchesReference(tag, pattern)))
      ) return false;
      const labels = image.config.config?.Labels ?? {};
      if (!(options.filters.get("label") ?? []).every((filter) => matchesLabel(labels, filter))) {
        return false;
      }
      const time = parseRfc3339(created(image));
      if (before !== undefined && time >= before) return false;
      if (since !== undefined && time <= since) return false;
      return true;
    })
    .sort((a, b) => created(b).localeCompare(created(a)))
    .map((image) => ({
      Id: image.id,
      ParentId: image.parent ?? "",
      RepoTags: image.tags.map(familiarize),
      RepoDigests: image.repoDigests.map(familiarize),
      Created: Math.floor(parseRfc3339(created(image)) / 1000),
      Size: image.size,
      SharedSize: -1,
      Labels: image.config.config?.Labels ?? {},
      Containers: containers.usingImage(image.id).length,
    }));
}

/** GET /images/{name}/json */
export function inspectImage(image: Image, layers: LayerStore) {
  const diffIds = image.config.rootfs.diff_ids;
  const lower = [...diffIds].reverse().map((diffId) => layers.diffPath(diffId));
  return {
    Id: image.id,
    RepoTags: image.tags.map(familiarize),
    RepoDigests: image.repoDigests.map(familiarize),
    Parent: image.parent ?? "",
    Comment: image.config.comment ?? "",
    Created: created(image),
    DockerVersion: "",
    Author: image.config.author ?? "",
    Config: {
      Hostname: "",
      Domainname: "",
      User: "",
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: null,
      Cmd: null,
      Image: "",
      Volumes: null,
      WorkingDir: "",
      Entrypoint: null,
      OnBuild: null,
      Labels: null,
      ...image.config.config,
    },
    Architecture: image.config.architecture,
    Os: image.config.os,
    Size: image.size,
    GraphDriver: {
      Name: "overlay2",
      Data: { LowerDir: lower.join(":") },
    },
    RootFS: { Type: "layers", Layers: diffIds },
    Metadata: { LastTagTime: image.stored },
  };
}
