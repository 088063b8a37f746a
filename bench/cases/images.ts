/**
 * Images: pulling a 5-layer ~100 MB image from a local registry and loading
 * it from a docker-archive, against `skopeo copy` into a plain directory
 * (the same transfer with no engine around it) and the peers; and the disk
 * two images that share four of their five layers take.
 * @module
 */

import { runCommand } from "../../tests/helpers/harness.ts";
import { type TestLayer, writeOciLayout } from "../../tests/helpers/oci_layout.ts";
import { TestRegistry } from "../../tests/helpers/registry.ts";
import { buildTar } from "../../tests/helpers/tar_writer.ts";
import { timedShell } from "../bench_support.ts";
import { type Engine, engineOk, quote, shellLine } from "../engines.ts";
import type { Comparison } from "../report.ts";
import { alternate, summarize, summarizeAll } from "../stats.ts";
import type { BenchContext } from "./context.ts";

const LAYER_MB = 20;

/** A layer of one file: `megabytes` of random bytes (so compression cannot shrink it). */
function randomLayer(name: string, megabytes: number): TestLayer {
  const content = new Uint8Array(megabytes * 1024 * 1024);
  for (let offset = 0; offset < content.length; offset += 65536) {
    crypto.getRandomValues(content.subarray(offset, offset + 65536));
  }
  return { tar: buildTar([{ path: `data/${name}`, content }]), gzip: true };
}

/** Remove `name` from `engine` if it is there (between runs). */
async function forget(engine: Engine, name: string): Promise<void> {
  const [command, ...global] = engine.cli;
  await runCommand(command, [...global, "rmi", "-f", name], { env: engine.env });
}

/** Bytes under `dir` (du). */
async function diskBytes(dir: string): Promise<number> {
  return Number((await runCommand("du", ["-sb", dir])).stdout.split("\t")[0]);
}

/** Pull and load timings, and shared-layer disk use. */
export async function imagesCase(context: BenchContext): Promise<Comparison[]> {
  const dir = `${context.workDir}/images`;
  const shared = [1, 2, 3, 4].map((index) => randomLayer(`shared${index}`, LAYER_MB));
  const first = await writeOciLayout(`${dir}/first`, [...shared, randomLayer("first", LAYER_MB)]);
  const second = await writeOciLayout(`${dir}/second`, [
    ...shared,
    randomLayer("second", LAYER_MB),
  ]);
  const registry = await TestRegistry.start(`${dir}/registry`);
  try {
    await registry.push(first.dir, "bench/five:v1");
    const name = `${registry.host}/bench/five:v1`;
    const archive = `${dir}/five.tar`;
    const copied = await runCommand("skopeo", [
      "--insecure-policy",
      "copy",
      `oci:${first.dir}`,
      `docker-archive:${archive}:${name}`,
    ]);
    if (copied.code !== 0) throw new Error(`skopeo copy failed: ${copied.stderr}`);
    const engines = [context.berthRunc, context.docker, context.podman].filter(
      (engine): engine is Engine => engine !== undefined,
    );
    const tls = (engine: Engine) => engine === context.podman ? ["--tls-verify=false"] : [];
    const pulls = new Map<string, () => Promise<number>>();
    const loads = new Map<string, () => Promise<number>>();
    for (const engine of engines) {
      const label = engine === context.berthRunc ? "berth" : engine.name.split(" ")[0];
      pulls.set(label, async () => {
        await forget(engine, name);
        return await timedShell(shellLine(engine, ["pull", ...tls(engine), name]), engine.env);
      });
      loads.set(label, async () => {
        await forget(engine, name);
        return await timedShell(shellLine(engine, ["load", "-i", archive]), engine.env);
      });
    }
    const target = `${dir}/skopeo-target`;
    pulls.set("skopeo copy", async () => {
      await Deno.remove(target, { recursive: true }).catch(() => {});
      return await timedShell(
        `skopeo --insecure-policy copy --src-tls-verify=false docker://${name} dir:${
          quote(target)
        }`,
      );
    });
    loads.set("skopeo copy", async () => {
      await Deno.remove(target, { recursive: true }).catch(() => {});
      return await timedShell(
        `skopeo --insecure-policy copy docker-archive:${quote(archive)} dir:${quote(target)}`,
      );
    });
    const rows: Comparison[] = [];
    for (const [label, systems] of [["pull", pulls], ["load", loads]] as const) {
      console.error(`${label} a 5-layer 100 MB image: ${context.runs} rounds`);
      const times = await alternate(
        [...systems.keys()],
        context.runs,
        (system) => systems.get(system)!(),
      );
      const summaries = summarizeAll(times);
      context.raw[`${label}FiveLayers`] = summaries;
      for (const peer of Object.keys(summaries).filter((system) => system !== "berth")) {
        rows.push({
          case: label === "pull"
            ? "pull a 5-layer 100 MB image (local registry)"
            : "load the same image (docker-archive)",
          chart: `${label} 100 MB`,
          unit: "ms",
          berth: { system: "berth", summary: summaries.berth },
          peer: { system: peer, summary: summaries[peer] },
        });
      }
    }

    // Two images sharing four layers: the shared ones are stored once.
    await forget(context.berthRunc, name);
    await Deno.remove(target, { recursive: true }).catch(() => {});
    const layersDir = `${context.daemon.root}/layers/sha256`;
    const before = await diskBytes(layersDir);
    for (const [layout, tag] of [[first.dir, "bench/first:v1"], [second.dir, "bench/second:v1"]]) {
      const tar = `${dir}/${tag.replace(/\W/g, "-")}.tar`;
      await runCommand("tar", ["-C", layout, "-cf", tar, "."]);
      await engineOk(context.berthRunc, ["load", "-i", tar]);
    }
    const used = (await diskBytes(layersDir)) - before;
    const sizes = await Promise.all(["first", "second"].map(async (which) => {
      const [image] = JSON.parse(
        await engineOk(context.berthRunc, [
          "image",
          "inspect",
          `${which === "first" ? first.configDigest : second.configDigest}`,
        ]),
      );
      return image.Size as number;
    }));
    const mib = (bytes: number) => summarize([bytes / 1024 / 1024]);
    context.raw.sharedLayers = { used, sizes };
    rows.push({
      case: "disk: two 100 MB images sharing 4 of 5 layers",
      chart: "disk, shared layers",
      unit: "MiB",
      berth: { system: "berth's layer store", summary: mib(used) },
      peer: { system: "the two images' sizes added", summary: mib(sizes[0] + sizes[1]) },
    });
    return rows;
  } finally {
    await registry.stop();
  }
}
