/** The berth release this build belongs to (daemon, CLI and shim). */
export const BERTH_VERSION = "0.1.0";
