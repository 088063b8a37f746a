/**
 * POST /containers/{id}/rename?name=: give a container another name.
 * @module
 */

import type { DaemonContext } from "../daemon_context.ts";
import { BadRequest } from "../errors.ts";
import { validateContainerName } from "../ids.ts";
import type { Container } from "./container.ts";
import { containerEvent } from "./container_events.ts";

/** Rename a container; the new name must be valid and free. */
export function renameContainer(
  context: DaemonContext,
  container: Container,
  newName: string,
): Promise<void> {
  return container.lock.run(async () => {
    const name = validateContainerName(newName);
    if (!name) {
      throw new BadRequest(
        `Invalid container name (${newName}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
      );
    }
    if (name === container.name) {
      throw new BadRequest("Renaming a container with the same name as its current name");
    }
    context.containers.reserveName(name, container.id);
    const oldName = container.name;
    container.record.name = name;
    try {
      await container.save();
    } catch (error) {
      container.record.name = oldName;
      context.containers.releaseName(name, container.id);
      throw error;
    }
    context.containers.releaseName(oldName, container.id);
    containerEvent(context, container, "rename", { oldName: `/${oldName}` });
  });
}
