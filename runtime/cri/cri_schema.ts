/**
 * The CRI's services as grpc-js service definitions, from berth's own copy
 * of the wire schema (api_schema.ts), embedded so that the bundle needs no
 * file. Messages come in and go out as plain objects with the schema's
 * snake_case field names, 64-bit integers as strings, enums by name.
 * @module
 */

// The daemon runs with --no-config (its bundle too): its npm packages are
// named in full where they are imported.
// deno-lint-ignore no-import-prefix
import * as grpc from "npm:@grpc/grpc-js@1.14.0";
// deno-lint-ignore no-import-prefix
import * as protoLoader from "npm:@grpc/proto-loader@0.8.0";
// deno-lint-ignore no-import-prefix
import protobuf from "npm:protobufjs@7.5.4";
import { CRI_SCHEMA } from "./api_schema.ts";

/** runtime.v1's two services. */
export interface CriServices {
  runtime: grpc.ServiceDefinition;
  image: grpc.ServiceDefinition;
}

/** Load the schema (once per daemon). */
export function loadCriServices(): CriServices {
  const root = protobuf.parse(CRI_SCHEMA, { keepCase: true }).root;
  const definition = protoLoader.fromJSON(root.toJSON(), {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  // deno-lint-ignore no-explicit-any
  const pkg = grpc.loadPackageDefinition(definition) as any;
  return {
    runtime: pkg.runtime.v1.RuntimeService.service,
    image: pkg.runtime.v1.ImageService.service,
  };
}
