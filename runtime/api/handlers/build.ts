/**
 * POST /build (docker's classic builder: the docker CLI with
 * DOCKER_BUILDKIT=0 or without buildx, docker-py, docker-compose) and
 * POST /build/prune. The progress is docker's JSON message stream;
 * errors before it starts are HTTP errors, after it error messages (with
 * a failed RUN's exit code). A client that goes away cancels the build.
 * @module
 */

import { BuildStepError } from "../../build/builder.ts";
import { runBuild } from "../../build/build.ts";
import { pruneBuildCache } from "../../build/build_prune.ts";
import { DockerfileError } from "../../build/dockerfile_parser.ts";
import { SubstitutionError } from "../../build/shell_words.ts";
import { BuildCancelled } from "../../build/step_container.ts";
import type { StepHostConfig } from "../../build/step_container.ts";
import { BadRequest } from "../../errors.ts";
import { shortId } from "../../ids.ts";
import { parsePlatform, pullImage } from "../../images/pull.ts";
import { familiarize, parseReference } from "../../images/reference.ts";
import { type RegistryCredentials, registryFor } from "../../images/registry_client.ts";
import { parseFilters } from "../filters.ts";
import { type ApiRequest, bodyStream, jsonMessageStream, queryBool, queryInt } from "../http.ts";

/** How often a quiet build checks that its client is still there. */
const HEARTBEAT_MS = 1000;

/** Output kept for `q=1`, shown only when the build fails. */
const QUIET_OUTPUT_LIMIT = 1024 * 1024;

function jsonParameter<T>(
  query: URLSearchParams,
  name: string,
  check: (value: unknown) => boolean,
): T | undefined {
  const text = query.get(name);
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequest(`invalid ${name} parameter: not JSON`);
  }
  if (!check(value)) throw new BadRequest(`invalid ${name} parameter`);
  return value as T;
}

const isObject = (value: unknown) =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** X-Registry-Config: base64 JSON of registry → credentials. */
function registryConfig(header: string | undefined): Record<string, RegistryCredentials> {
  if (!header) return {};
  try {
    const json = JSON.parse(atob(header.replaceAll("-", "+").replaceAll("_", "/")));
    const configs: Record<string, RegistryCredentials> = {};
    for (const [registry, entry] of Object.entries(json ?? {})) {
      const { username, password } = entry as { username?: unknown; password?: unknown };
      if (typeof username === "string" && typeof password === "string" && username) {
        configs[registry] = { username, password };
      }
    }
    return configs;
  } catch {
    return {};
  }
}

/** The credentials of `configs` for a registry domain. */
function credentialsFor(
  configs: Record<string, RegistryCredentials>,
  domain: string,
): RegistryCredentials | undefined {
  for (const [key, credentials] of Object.entries(configs)) {
    const host = key.replace(/^https?:\/\//, "").replace(/\/.*$/, "");
    if (host === domain) return credentials;
    if (domain === "docker.io" && /(^|\.)docker\.io$/.test(host)) return credentials;
  }
  return undefined;
}

function hostConfig(query: URLSearchParams): StepHostConfig {
  const host: StepHostConfig = {};
  const networkMode = query.get("networkmode");
  if (networkMode) host.NetworkMode = networkMode;
  const extraHosts = query.getAll("extrahosts").flatMap((entry) => entry.split(",")).filter(
    Boolean,
  );
  if (extraHosts.length) host.ExtraHosts = extraHosts;
  const numbers: [keyof StepHostConfig, string][] = [
    ["ShmSize", "shmsize"],
    ["Memory", "memory"],
    ["MemorySwap", "memswap"],
    ["CpuShares", "cpushares"],
    ["CpuQuota", "cpuquota"],
    ["CpuPeriod", "cpuperiod"],
  ];
  for (const [field, name] of numbers) {
    const value = queryInt(query, name);
    if (value) (host as Record<string, unknown>)[field] = value;
  }
  const strings: [keyof StepHostConfig, string][] = [
    ["CpusetCpus", "cpusetcpus"],
    ["CpusetMems", "cpusetmems"],
    ["CgroupParent", "cgroupparent"],
  ];
  for (const [field, name] of strings) {
    const value = query.get(name);
    if (value) (host as Record<string, unknown>)[field] = value;
  }
  const ulimits = jsonParameter<StepHostConfig["Ulimits"]>(query, "ulimits", Array.isArray);
  if (ulimits?.length) host.Ulimits = ulimits;
  return host;
}

/** POST /build */
export async function build({ context, req, res, query }: ApiRequest) {
  if (query.get("remote")) {
    throw new BadRequest(
      "remote build contexts (a git repository or a URL) are not supported by berth: send the context as the request body",
    );
  }
  if (query.get("version") === "2") {
    throw new BadRequest(
      "BuildKit (version=2) is not supported by berth: build with the classic builder (DOCKER_BUILDKIT=0)",
    );
  }
  const buildArgs = jsonParameter<Record<string, string | null>>(query, "buildargs", isObject) ??
    {};
  const labels = jsonParameter<Record<string, string>>(query, "labels", isObject) ?? {};
  const cacheFrom = jsonParameter<string[]>(query, "cachefrom", Array.isArray) ?? [];
  const platform = query.get("platform") || undefined;
  if (platform) parsePlatform(platform);
  const quiet = queryBool(query, "q");
  const registries = registryConfig(req.headers["x-registry-config"] as string | undefined);
  const stream = jsonMessageStream(res);
  let quietOutput = "";
  const cancel = new AbortController();
  // Output for a client that went away goes nowhere: the build stops at its next step.
  let lastOutput = Date.now();
  const write = async (text: string) => {
    if (cancel.signal.aborted) return;
    lastOutput = Date.now();
    if (!quiet) return await stream.send({ stream: text }).catch(() => cancel.abort());
    if (quietOutput.length < QUIET_OUTPUT_LIMIT) quietOutput += text;
  };
  res.once("close", () => {
    if (!res.writableFinished) cancel.abort();
  });
  req.once("close", () => {
    if (!req.complete) cancel.abort();
  });
  // A client that went away is only seen by writing to it: while a step
  // is quiet, a blank line now and then (between JSON messages: clients skip it).
  const heartbeat = setInterval(() => {
    if (!stream.started || res.destroyed || Date.now() - lastOutput < HEARTBEAT_MS) return;
    lastOutput = Date.now();
    res.write("\n");
  }, HEARTBEAT_MS);
  try {
    const { image, tags } = await runBuild(
      context,
      bodyStream(req),
      query.get("dockerfile") || "Dockerfile",
      {
        tags: query.getAll("t").filter(Boolean),
        buildArgs,
        labels,
        target: query.get("target") || undefined,
        noCache: queryBool(query, "nocache"),
        pull: queryBool(query, "pull"),
        remove: (query.has("rm") ? queryBool(query, "rm") : true) || queryBool(query, "forcerm"),
        cacheFrom,
        platform,
        host: hostConfig(query),
        pullImage: async (reference) => {
          const parsed = parseReference(reference);
          const client = await registryFor(
            context,
            parsed.domain,
            parsed.path,
            credentialsFor(registries, parsed.domain),
          );
          try {
            return await pullImage(context.images, context.layers, reference, {
              client,
              platform: parsePlatform(platform),
              onProgress: (message) => quiet ? Promise.resolve() : stream.send(message),
            });
          } finally {
            client.close();
          }
        },
      },
      { stream: write, signal: cancel.signal },
    );
    await stream.send({ aux: { ID: image.id } });
    if (quiet) {
      await stream.send({ stream: `${image.id}\n` });
    } else {
      await stream.send({ stream: `Successfully built ${shortId(image.id)}\n` });
      for (const tag of tags) {
        await stream.send({ stream: `Successfully tagged ${familiarize(tag)}\n` });
      }
    }
    for (const tag of tags) {
      context.events.emit("image", "tag", image.id, { name: familiarize(tag) });
    }
  } catch (error) {
    if (cancel.signal.aborted || error instanceof BuildCancelled) {
      res.destroy();
      return;
    }
    const known = error instanceof DockerfileError || error instanceof SubstitutionError ||
      error instanceof BuildStepError;
    if (!stream.started && known) throw new BadRequest(error.message);
    if (quiet && quietOutput) await stream.send({ stream: quietOutput });
    await stream.fail(error, error instanceof BuildStepError ? error.code : undefined);
  } finally {
    clearInterval(heartbeat);
  }
  res.end();
}

/** POST /build/prune?all=&filters= */
export async function prune({ context, query }: ApiRequest) {
  const filters = parseFilters(query.get("filters"));
  return {
    status: 200,
    body: await pruneBuildCache(context, { all: queryBool(query, "all"), filters }),
  };
}
