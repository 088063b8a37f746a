/**
 * The swarm routes (swarm, services, nodes, tasks, secrets, configs):
 * berth runs no swarm, so they answer as a docker whose swarm is inactive
 * (docker-py's teardowns call `leave_swarm(force=True)` and accept that
 * answer), and init and join say berth does not run one.
 * @module
 */

import { ApiError } from "../../errors.ts";

/** Any swarm route but init and join: docker's 503 of an inactive swarm. */
export function notInSwarm(): never {
  throw new ApiError(503, "This node is not part of a swarm");
}

/** POST /swarm/init and /swarm/join. */
export function swarmRefused(): never {
  throw new ApiError(
    503,
    "berth does not run swarm: this node cannot init or join one (use docker for swarm mode)",
  );
}
