/**
 * POST /auth: check registry credentials, as `docker login` asks the
 * daemon to. Nothing is stored on the daemon's side; the client keeps them.
 * @module
 */

import { serverHost } from "../../../lib/registry_host.ts";
import { BadRequest } from "../../errors.ts";
import { parseReference } from "../../images/reference.ts";
import { registryFor } from "../../images/registry_client.ts";
import { type ApiRequest, readJson } from "../http.ts";

/** POST /auth {username, password, serveraddress} */
export async function login({ context, req }: ApiRequest) {
  const body = await readJson(req) as Record<string, unknown> | null;
  const username = body?.username;
  const password = body?.password;
  if (typeof username !== "string" || !username || typeof password !== "string") {
    throw new BadRequest("username and password are required");
  }
  const host = serverHost(typeof body?.serveraddress === "string" ? body.serveraddress : undefined);
  parseReference(`${host}/probe`); // a valid registry name
  const client = await registryFor(context, host, "", { username, password });
  try {
    await client.checkLogin();
  } finally {
    client.close();
  }
  return { status: 200, body: { Status: "Login Succeeded", IdentityToken: "" } };
}
