/**
 * The classic builder: a Dockerfile's stages run step by step, as docker's
 * classic builder runs them. Every step makes an image whose parent is the
 * one before (the build cache): config-only instructions a new config,
 * RUN a container of the current image whose changes become a layer, COPY
 * and ADD files copied into a created container's rootfs then committed.
 * A step whose parent, instruction text and (for COPY and ADD) content
 * checksum match an earlier one reuses that image. Progress goes out as
 * docker's classic `Step N/M : ...` lines.
 * @module
 */

import { formatRfc3339Nano, preciseNow } from "../../protocol/timestamp.ts";
import type { Container } from "../containers/container.ts";
import { withRootfs } from "../containers/rootfs.ts";
import type { DaemonContext } from "../daemon_context.ts";
import { BadRequest } from "../errors.ts";
import { errorMessage } from "../logger.ts";
import { shortId } from "../ids.ts";
import { containerLayer } from "../images/commit.ts";
import { hostArchitecture, type ImageConfig, type ImageHistory } from "../images/image_config.ts";
import type { Image } from "../images/image_store.ts";
import type { LayerInfo } from "../images/layer_store.ts";
import { parsePlatform } from "../images/pull.ts";
import { deleteImage } from "../images/remove.ts";
import { resolveUser } from "../oci/user.ts";
import { idTranslation } from "../system/userns.ts";
import { findCachedStep } from "./build_cache.ts";
import { extractArchive } from "./add_archive.ts";
import {
  DockerfileError,
  type Instruction,
  parseDockerfile,
  parseInstruction,
} from "./dockerfile_parser.ts";
import { copySources, findSources, makeDirectories, sourcesChecksum } from "./copy_sources.ts";
import {
  applyConfigInstruction,
  checkFlags,
  commandOf,
  DEFAULT_SHELL,
  rawWords,
  type StageConfig,
} from "./instructions.ts";
import { type Lookup, processWord, processWords } from "./shell_words.ts";
import {
  BuildCancelled,
  createStepContainer,
  keepStepContainer,
  removeStepContainer,
  runStepContainer,
  type StepHostConfig,
} from "./step_container.ts";

/** What POST /build asks for. */
export interface BuildOptions {
  tags: string[];
  buildArgs: Record<string, string | null>;
  labels: Record<string, string>;
  target?: string;
  noCache: boolean;
  pull: boolean;
  /** Remove the step containers after they succeed (a failed one always goes). */
  remove: boolean;
  cacheFrom: string[];
  platform?: string;
  host: StepHostConfig;
  /** Get a base image that is not stored (or always with `pull`); progress to the stream. */
  pullImage: (reference: string) => Promise<Image>;
}

/** Where a build's progress goes. */
export interface BuildOutput {
  /** Text for the client's display (docker's `stream` messages). */
  stream(text: string): Promise<void>;
  signal: AbortSignal;
}

/** A step failed: the message and code docker's clients show. */
export class BuildStepError extends Error {
  constructor(message: string, readonly code = 1) {
    super(message);
  }
}

/** Build args usable without an ARG (docker's predefined proxy args). */
const PREDEFINED_ARGS = new Set(
  ["HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY"].flatMap((name) => [
    name,
    name.toLowerCase(),
  ]),
);

interface Stage {
  name?: string;
  from: Instruction;
  instructions: Instruction[];
}

interface StageState {
  /** The current image; undefined for FROM scratch before any step made one. */
  image?: Image;
  config: StageConfig;
  /** ARGs declared in the stage, with their values (undefined: declared, no value). */
  args: Map<string, string | undefined>;
}

function envMap(env: string[] | undefined): Map<string, string> {
  return new Map(
    (env ?? []).map((entry) => {
      const equals = entry.indexOf("=");
      return equals < 0 ? [entry, ""] : [entry.slice(0, equals), entry.slice(equals + 1)];
    }),
  );
}

/** Build `dockerfileText` with the files of `contextDir`; returns the final image. */
export async function buildImage(
  context: DaemonContext,
  contextDir: string,
  dockerfileText: string,
  options: BuildOptions,
  output: BuildOutput,
): Promise<Image> {
  return await new Build(context, contextDir, options, output).run(dockerfileText);
}

class Build {
  #context: DaemonContext;
  #contextDir: string;
  #options: BuildOptions;
  #output: BuildOutput;
  #escape = "\\";
  #globalArgs = new Map<string, string | undefined>();
  #usedArgs = new Set<string>();
  #stageImages: { name?: string; image?: Image }[] = [];
  #step = 0;
  #steps = 0;
  #cacheFrom: Image[] = [];

  constructor(
    context: DaemonContext,
    contextDir: string,
    options: BuildOptions,
    output: BuildOutput,
  ) {
    this.#context = context;
    this.#contextDir = contextDir;
    this.#options = options;
    this.#output = output;
  }

  #say(text: string): Promise<void> {
    return this.#output.stream(text);
  }

  async run(text: string): Promise<Image> {
    const dockerfile = parseDockerfile(text);
    this.#escape = dockerfile.escape;
    if (dockerfile.syntax) {
      await this.#say(
        `[Warning] the syntax directive (${dockerfile.syntax}) is ignored: berth builds with its own Dockerfile frontend\n`,
      );
    }
    const { globals, stages } = this.#stages(dockerfile.instructions);
    for (const instruction of globals) {
      const [name, value] = this.#argDeclaration(instruction, (arg) => this.#globalArgs.get(arg));
      this.#globalArgs.set(name, value);
    }
    let last = stages.length - 1;
    if (this.#options.target !== undefined) {
      const wanted = this.#options.target.toLowerCase();
      last = stages.findIndex((stage) => stage.name === wanted);
      if (last < 0) {
        throw new BadRequest(`failed to reach build target ${this.#options.target} in Dockerfile`);
      }
    }
    const chosen = stages.slice(0, last + 1);
    const labels = Object.entries(this.#options.labels);
    this.#steps = chosen.reduce((sum, stage) => sum + 1 + stage.instructions.length, 0) +
      (labels.length ? 1 : 0);
    for (const reference of this.#options.cacheFrom) {
      const image = this.#context.images.find(reference);
      if (image) this.#cacheFrom.push(image);
    }
    let final: StageState | undefined;
    for (const [index, stage] of chosen.entries()) {
      const state = await this.#from(stage);
      for (const instruction of stage.instructions) {
        await this.#dispatch(state, instruction, true);
      }
      if (index === last && labels.length) await this.#labelStep(state, labels);
      this.#stageImages.push({ name: stage.name, image: state.image });
      final = state;
    }
    const unused = Object.keys(this.#options.buildArgs).filter((name) =>
      !this.#usedArgs.has(name) && !PREDEFINED_ARGS.has(name)
    );
    if (unused.length) {
      await this.#say(`[Warning] One or more build-args [${unused.join(" ")}] were not consumed\n`);
    }
    const image = final!.image ?? await this.#storeStep(final!, "", undefined);
    return image;
  }

  #stages(instructions: Instruction[]): { globals: Instruction[]; stages: Stage[] } {
    const globals: Instruction[] = [];
    const stages: Stage[] = [];
    for (const instruction of instructions) {
      if (instruction.keyword === "FROM") {
        const words = instruction.rest.split(/\s+/);
        let name: string | undefined;
        if (words.length === 3 && words[1].toUpperCase() === "AS") {
          name = words[2].toLowerCase();
          if (!/^[a-z][a-z0-9-_.]*$/.test(name)) {
            throw new DockerfileError(
              `invalid name for build stage: "${
                words[2]
              }", name can't start with a number or contain symbols`,
            );
          }
        } else if (words.length !== 1 || !words[0]) {
          throw new DockerfileError("FROM requires either one or three arguments");
        }
        stages.push({ name, from: instruction, instructions: [] });
      } else if (stages.length === 0) {
        if (instruction.keyword !== "ARG") {
          throw new DockerfileError(
            "Please provide a source image with `from` prior to " +
              instruction.keyword.toLowerCase(),
          );
        }
        globals.push(instruction);
      } else {
        stages[stages.length - 1].instructions.push(instruction);
      }
    }
    if (stages.length === 0) throw new DockerfileError("the Dockerfile has no FROM instruction");
    return { globals, stages };
  }

  /** `ARG NAME[=default]`: the name and the value it takes in this build. */
  #argDeclaration(instruction: Instruction, lookup: Lookup): [string, string | undefined] {
    checkFlags(instruction, []);
    const text = instruction.rest;
    if (rawWords(text, this.#escape).length !== 1) {
      throw new DockerfileError("ARG requires exactly one argument");
    }
    const equals = text.indexOf("=");
    const name = equals < 0 ? text : text.slice(0, equals);
    const fallback = equals < 0
      ? undefined
      : processWord(text.slice(equals + 1), lookup, this.#escape);
    this.#usedArgs.add(name);
    const given = this.#options.buildArgs[name];
    return [name, given !== undefined && given !== null ? given : fallback];
  }

  #stepLine(instruction: Instruction): Promise<void> {
    this.#step++;
    return this.#say(
      `Step ${this.#step}/${this.#steps} : ${instruction.keyword} ${instruction.text}\n`,
    );
  }

  async #from(stage: Stage): Promise<StageState> {
    const instruction = stage.from;
    await this.#stepLine(instruction);
    checkFlags(instruction, ["platform"]);
    const globalLookup: Lookup = (name) => this.#globalArgs.get(name);
    const platform = instruction.flags.get("platform") ?? this.#options.platform;
    if (platform) {
      const wanted = parsePlatform(processWord(platform, globalLookup, this.#escape));
      if (wanted.os !== "linux" || wanted.architecture !== hostArchitecture()) {
        throw new BuildStepError(
          `no match for platform ${platform}: berth builds for linux/${hostArchitecture()} only`,
        );
      }
    }
    const base = processWord(instruction.rest.split(/\s+/)[0], globalLookup, this.#escape);
    if (!base) {
      throw new DockerfileError("base name (" + instruction.rest + ") should not be blank");
    }
    let image: Image | undefined;
    const previous = this.#stageImages.find((stage) => stage.name === base.toLowerCase());
    if (previous) {
      image = previous.image;
    } else if (base.toLowerCase() !== "scratch") {
      image = await this.#baseImage(base);
    }
    const run = structuredClone(image?.config.config ?? {});
    const state: StageState = {
      image,
      config: {
        run,
        author: image?.config.author,
        shell: DEFAULT_SHELL,
        cmdSet: false,
        escape: this.#escape,
      },
      args: new Map(),
    };
    if (image) await this.#say(` ---> ${shortId(image.id)}\n`);
    const triggers = run.OnBuild ?? [];
    if (run.OnBuild) run.OnBuild = null;
    if (triggers.length) {
      await this.#say(
        `# Executing ${triggers.length} build trigger${triggers.length > 1 ? "s" : ""}\n`,
      );
      for (const trigger of triggers) {
        await this.#dispatch(state, parseInstruction(trigger, instruction.line), false);
      }
    }
    return state;
  }

  /** A base image: the stored one, else (or always with pull) pulled. */
  async #baseImage(reference: string): Promise<Image> {
    const stored = this.#context.images.find(reference);
    if (stored && !this.#options.pull) return stored;
    try {
      return await this.#options.pullImage(reference);
    } catch (error) {
      if (!stored) throw error;
      await this.#say(
        `[Warning] pulling ${reference} failed (${errorMessage(error)}): using the stored image\n`,
      );
      return stored;
    }
  }

  /** Variables as a stage's instructions see them: ENV over ARG. */
  #lookup(state: StageState): Lookup {
    const env = envMap(state.config.run.Env);
    return (name) => {
      if (env.has(name)) return env.get(name);
      if (state.args.has(name)) return state.args.get(name);
      if (PREDEFINED_ARGS.has(name)) return this.#options.buildArgs[name] ?? undefined;
      return undefined;
    };
  }

  async #dispatch(state: StageState, instruction: Instruction, counted: boolean): Promise<void> {
    if (counted) await this.#stepLine(instruction);
    if (this.#output.signal.aborted) throw new BuildCancelled();
    const lookup = this.#lookup(state);
    switch (instruction.keyword) {
      case "FROM":
        throw new DockerfileError("FROM is not allowed here");
      case "ARG": {
        const [name, value] = this.#argDeclaration(instruction, lookup);
        const inherited = value ?? this.#globalArgs.get(name);
        state.args.set(name, inherited);
        const text = instruction.rest;
        return await this.#configStep(state, `/bin/sh -c #(nop) ARG ${text}`);
      }
      case "RUN":
        return await this.#runStep(state, instruction);
      case "COPY":
      case "ADD":
        return await this.#copyStep(state, instruction, lookup);
      case "WORKDIR":
        return await this.#workdirStep(state, instruction, lookup);
      default: {
        const createdBy = applyConfigInstruction(state.config, instruction, lookup);
        return await this.#configStep(state, createdBy);
      }
    }
  }

  async #labelStep(state: StageState, labels: [string, string][]): Promise<void> {
    this.#step++;
    const text = labels.map(([name, value]) => `${JSON.stringify(name)}=${JSON.stringify(value)}`)
      .join(" ");
    await this.#say(`Step ${this.#step}/${this.#steps} : LABEL ${text}\n`);
    state.config.run.Labels = { ...state.config.run.Labels, ...Object.fromEntries(labels) };
    await this.#configStep(
      state,
      `/bin/sh -c #(nop) LABEL ${labels.map(([name, value]) => `${name}=${value}`).join(" ")}`,
    );
  }

  /** A step that changes only the config: a cached image, or a new one with an empty layer. */
  async #configStep(state: StageState, createdBy: string): Promise<void> {
    if (await this.#useCache(state, createdBy)) return;
    state.image = await this.#storeStep(state, createdBy, undefined);
    await this.#say(` ---> ${shortId(state.image.id)}\n`);
  }

  async #useCache(state: StageState, createdBy: string): Promise<boolean> {
    if (this.#options.noCache) return false;
    const hit = await findCachedStep(this.#context, {
      parent: state.image,
      createdBy,
      run: state.config.run,
      author: state.config.author,
      cacheFrom: this.#cacheFrom,
    });
    if (!hit) return false;
    state.image = hit;
    await this.#say(` ---> Using cache\n ---> ${shortId(hit.id)}\n`);
    return true;
  }

  /** Store the step's image: the stage's config, the parent's layers plus `layer`. */
  async #storeStep(
    state: StageState,
    createdBy: string,
    layer: LayerInfo | undefined,
  ): Promise<Image> {
    const parent = state.image;
    const created = formatRfc3339Nano(preciseNow());
    const entry: ImageHistory = { created, created_by: createdBy };
    if (!layer) entry.empty_layer = true;
    const config: ImageConfig = {
      architecture: parent?.config.architecture ?? hostArchitecture(),
      os: "linux",
      ...(parent?.config.variant ? { variant: parent.config.variant } : {}),
      created,
      ...(state.config.author ? { author: state.config.author } : {}),
      config: structuredClone(state.config.run),
      rootfs: {
        type: "layers",
        diff_ids: [...(parent?.config.rootfs.diff_ids ?? []), ...(layer ? [layer.diffId] : [])],
      },
      history: [...(parent?.config.history ?? []), ...(createdBy ? [entry] : [])],
    };
    return await this.#context.images.add(
      config,
      (parent?.size ?? 0) + (layer?.size ?? 0),
      parent?.id,
    );
  }

  /**
   * Run `work` in a created container of the stage's image (an empty image
   * for a FROM scratch stage), then store its changes as the step's layer.
   */
  async #containerStep(
    state: StageState,
    createdBy: string,
    command: string[],
    env: string[],
    work: (container: Container) => Promise<void>,
  ): Promise<void> {
    const context = this.#context;
    await context.layers.withLease(async (lease) => {
      const base = state.image ?? await this.#emptyImage();
      let container: Container | undefined;
      let failed = true;
      try {
        container = await createStepContainer(context, base.id, command, env, this.#options.host);
        await work(container);
        const layer = await containerLayer(context, container, lease);
        state.image = await this.#storeStep(state, createdBy, layer);
        failed = false;
      } finally {
        if (container && (this.#options.remove || failed || this.#output.signal.aborted)) {
          await removeStepContainer(context, container);
          if (command[0] !== "#(nop)") {
            await this.#say(`Removing intermediate container ${shortId(container.id)}\n`);
          }
        } else if (container) {
          await keepStepContainer(container);
        }
        if (!state.image || base.id !== state.image.id) await this.#dropEmptyImage(base);
      }
    });
    await this.#say(` ---> ${shortId(state.image!.id)}\n`);
  }

  /** The image of no layers a scratch stage's first container is made from. */
  #emptyImage(): Promise<Image> {
    return this.#context.images.add(
      { architecture: hostArchitecture(), os: "linux", rootfs: { type: "layers", diff_ids: [] } },
      0,
    );
  }

  async #dropEmptyImage(image: Image): Promise<void> {
    if (image.config.rootfs.diff_ids.length || image.config.created) return;
    if (this.#context.containers.usingImage(image.id).length) return;
    if (this.#context.images.list().some((other) => other.parent === image.id)) return;
    await deleteImage(this.#context, image);
  }

  async #runStep(state: StageState, instruction: Instruction): Promise<void> {
    checkFlags(instruction, []);
    if (!instruction.json && !instruction.rest) {
      throw new DockerfileError("RUN requires at least one argument");
    }
    const command = commandOf(instruction, state.config.shell);
    const env = envMap(state.config.run.Env);
    const args = [...state.args].filter(([name, value]) =>
      value !== undefined && !PREDEFINED_ARGS.has(name)
    ) as [string, string][];
    const proxies = Object.entries(this.#options.buildArgs).filter(([name, value]) =>
      PREDEFINED_ARGS.has(name) && value !== null
    ) as [string, string][];
    const argEnv = [...args, ...proxies].filter(([name]) => !env.has(name))
      .map(([name, value]) => `${name}=${value}`);
    const prefix = args.length
      ? `|${args.length} ${args.map(([name, value]) => `${name}=${value}`).join(" ")} `
      : "";
    const createdBy = `${prefix}${command.join(" ")}`;
    if (await this.#useCache(state, createdBy)) return;
    await this.#containerStep(state, createdBy, command, argEnv, async (container) => {
      await this.#say(` ---> Running in ${shortId(container.id)}\n`);
      const code = await runStepContainer(
        this.#context,
        container,
        (text) => this.#say(text),
        this.#output.signal,
      );
      if (code !== 0) {
        throw new BuildStepError(
          `The command '${command.join(" ")}' returned a non-zero code: ${code}`,
          code,
        );
      }
    });
  }

  async #workdirStep(state: StageState, instruction: Instruction, lookup: Lookup): Promise<void> {
    const createdBy = applyConfigInstruction(state.config, instruction, lookup);
    if (await this.#useCache(state, createdBy)) return;
    const path = state.config.run.WorkingDir!;
    await this.#containerStep(state, createdBy, ["#(nop)", createdBy], [], async (container) => {
      const ids = idTranslation(container.record.idMapping).toHost;
      await withRootfs(
        this.#context,
        container,
        (rootfs) => makeDirectories(rootfs, path, [ids(0, "uid"), ids(0, "gid")]),
      );
    });
  }

  /** COPY --from's root: a stage's image or an image, mounted through a created container. */
  async #withSourceRoot<T>(
    from: string | undefined,
    work: (root: string, where: string) => Promise<T>,
  ): Promise<T> {
    if (from === undefined) {
      return await work(this.#contextDir, "build context or excluded by .dockerignore");
    }
    const byIndex = /^\d+$/.test(from) ? this.#stageImages[Number(from)] : undefined;
    const stage = byIndex ?? this.#stageImages.find((stage) => stage.name === from.toLowerCase());
    let image = stage?.image;
    if (!stage) {
      if (/^\d+$/.test(from)) {
        throw new DockerfileError(`invalid from flag value ${from}: no stage ${from}`);
      }
      image = await this.#baseImage(from);
    }
    // A scratch stage that made no layer: its (empty) rootfs is an empty image's.
    const source = image ?? await this.#emptyImage();
    const container = await createStepContainer(
      this.#context,
      source.id,
      ["#(nop)", "COPY --from"],
      [],
      { NetworkMode: "none" },
    );
    try {
      return await withRootfs(this.#context, container, (root) => work(root, `stage ${from}`));
    } finally {
      await removeStepContainer(this.#context, container);
      await this.#dropEmptyImage(source);
    }
  }

  async #copyStep(state: StageState, instruction: Instruction, lookup: Lookup): Promise<void> {
    const add = instruction.keyword === "ADD";
    checkFlags(instruction, add ? ["chown", "chmod"] : ["from", "chown", "chmod"]);
    const words = (instruction.json ?? processWords(instruction.rest, lookup, this.#escape))
      .map((word) => instruction.json ? processWord(word, lookup, this.#escape) : word);
    if (words.length < 2) {
      throw new DockerfileError(`${instruction.keyword} requires at least two arguments`);
    }
    const patterns = words.slice(0, -1);
    const destinationWord = words[words.length - 1];
    if (add) {
      const remote = patterns.find((source) => /^(https?:\/\/|git@|git:\/\/)/.test(source));
      if (remote) {
        throw new BuildStepError(
          `ADD of a URL (${remote}) is not supported by berth's builder, which downloads nothing: ` +
            "fetch the file into the build context and COPY it",
        );
      }
    }
    const fromFlag = instruction.flags.get("from");
    const from = fromFlag === undefined ? undefined : processWord(fromFlag, lookup, this.#escape);
    const chown = instruction.flags.get("chown");
    const chmodText = instruction.flags.get("chmod");
    if (chmodText !== undefined && !/^[0-7]{3,4}$/.test(chmodText)) {
      throw new DockerfileError(`invalid chmod parameter: ${chmodText}`);
    }
    const mode = chmodText === undefined ? undefined : parseInt(chmodText, 8);
    const destination = destinationWord.startsWith("/")
      ? destinationWord
      : `${(state.config.run.WorkingDir || "/").replace(/\/$/, "")}/${destinationWord}`;
    const trailingSlash = /\/\.?$/.test(destinationWord) || destinationWord === ".";
    await this.#withSourceRoot(from, async (root, where) => {
      const sources = await findSources(root, patterns, where).catch((error) => {
        if (error instanceof DockerfileError) {
          throw new BuildStepError(`${instruction.keyword} failed: ${error.message}`);
        }
        throw error;
      });
      if (sources.length > 1 && !trailingSlash) {
        throw new BuildStepError(
          `When using ${instruction.keyword} with more than one source file, the destination must be a directory and end with a /`,
        );
      }
      const checksum = await sourcesChecksum(sources);
      const flags = [...instruction.flags].map(([name, value]) => `--${name}=${value} `).join("");
      const createdBy =
        `/bin/sh -c #(nop) ${instruction.keyword} ${flags}${checksum} in ${destinationWord} `;
      if (await this.#useCache(state, createdBy)) return;
      await this.#containerStep(state, createdBy, ["#(nop)", createdBy], [], async (container) => {
        const ids = idTranslation(container.record.idMapping).toHost;
        await withRootfs(this.#context, container, async (rootfs) => {
          let uid = 0, gid = 0;
          if (chown) {
            const user = await resolveUser(rootfs, chown).catch((error) => {
              throw new BuildStepError(
                `unable to convert uid/gid chown string to host mapping: ${error.message}`,
              );
            });
            uid = user.uid;
            gid = chown.includes(":") ? user.gid : user.uid;
          }
          const owner = [ids(uid, "uid"), ids(gid, "gid")] as const;
          const target = { rootfs, destination, intoDirectory: trailingSlash, owner, mode };
          if (!add) return await copySources(sources, target);
          for (const source of sources) {
            if (
              !source.isDirectory &&
              await extractArchive(
                this.#context,
                container,
                source.full,
                target,
                chown !== undefined,
              )
            ) {
              continue;
            }
            await copySources([source], target);
          }
        });
      });
    });
  }
}
