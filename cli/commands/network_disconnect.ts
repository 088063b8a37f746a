/**
 * `berth network disconnect NETWORK CONTAINER` (see network_connect.ts).
 * @module
 */

import type { Command } from "../command.ts";
import { networkAttachCommand } from "./network_connect.ts";

export const command: Command = networkAttachCommand("disconnect");
