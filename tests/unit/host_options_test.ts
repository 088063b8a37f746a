import { deepStrictEqual, throws } from "node:assert/strict";
import {
  checkEndpointConfig,
  normalizeHostOptions,
  parseDeviceCgroupRule,
} from "../../runtime/containers/host_options.ts";
import { resolvConf } from "../../runtime/containers/etc_files.ts";
import { containerCapabilities } from "../../runtime/oci/capabilities.ts";
import { DEFAULT_CAPABILITIES } from "../../runtime/oci/defaults.ts";

Deno.test("capabilities follow docker's TweakCapabilities", () => {
  deepStrictEqual(containerCapabilities([], [], false).sort(), [...DEFAULT_CAPABILITIES].sort());
  deepStrictEqual(containerCapabilities(["CAP_NET_ADMIN"], ["ALL"], false), ["CAP_NET_ADMIN"]);
  deepStrictEqual(
    containerCapabilities(["ALL"], ["CAP_CHOWN"], false, ["CAP_CHOWN", "CAP_KILL"]),
    ["CAP_KILL"],
  );
  deepStrictEqual(containerCapabilities([], [], true, ["CAP_KILL"]), ["CAP_KILL"]);
  deepStrictEqual(
    containerCapabilities([], ["CAP_CHOWN", "CAP_KILL"], false).includes("CAP_CHOWN"),
    false,
  );
});

Deno.test("host options: names normalized, docker's defaults accepted, the unsupported refused", () => {
  // What the docker CLI sends for a plain `docker run`.
  const plain = normalizeHostOptions({
    CapAdd: null,
    CapDrop: null,
    Dns: [],
    ExtraHosts: null,
    Links: null,
    PortBindings: {},
    Devices: [],
    MemorySwappiness: -1,
    Isolation: "",
    IpcMode: "",
    ShmSize: 0,
  }, "none");
  deepStrictEqual([plain.CapAdd, plain.Privileged, plain.ReadonlyRootfs], [null, false, false]);
  deepStrictEqual(
    normalizeHostOptions({ CapAdd: ["net_admin", "CAP_SYS_TIME"], CapDrop: ["all"] }, "none")
      .CapAdd,
    ["CAP_NET_ADMIN", "CAP_SYS_TIME"],
  );
  const refused = (options: Record<string, unknown>, message: RegExp, network = "none") =>
    throws(() => normalizeHostOptions(options, network), message);
  refused({ PortBindings: { "80/tcp": [{ HostPort: "8080" }] } }, /bridge network/);
  refused({ PublishAllPorts: true }, /bridge network/);
  refused({ CgroupParent: "../x" }, /invalid cgroup parent: ..\/x/);
  refused({ KernelMemory: 1 << 20 }, /--kernel-memory/);
  refused({ CapDrop: ["NOPE"] }, /invalid CapDrop: unknown capability: "CAP_NOPE"/);
  refused({ Sysctls: { "net.core.somaxconn": "1" } }, /not allowed in host network mode/, "host");
  refused({ Sysctls: { "vm.swappiness": "1" } }, /sysctl 'vm.swappiness' is not allowed/);
  refused({ IpcMode: "container:x" }, /--ipc container:x/);
  refused({ Dns: ["not-an-ip"] }, /not-an-ip is not an ip address/);
  refused({ ExtraHosts: ["nohost"] }, /invalid extra host: nohost/);
  // A path is the CLI's to read: the API takes the profile's JSON.
  refused({ SecurityOpt: ["seccomp=profile.json"] }, /Decoding seccomp profile failed/);
  refused({ SecurityOpt: ["apparmor=docker-default"] }, /AppArmor is not enabled on this host/);
  refused({ SecurityOpt: ["label=level:s0"] }, /SELinux is not enabled on this host/);
  normalizeHostOptions({ SecurityOpt: ["apparmor=unconfined", "label=disable"] }, "none");
  refused({ ShmSize: -1 }, /SHM size can not be less than 0/);
  refused({ UsernsMode: "private" }, /--userns private/);
  // Published ports are fine on the host network (the host's ports are the container's).
  normalizeHostOptions({ PortBindings: { "80/tcp": [{ HostPort: "80" }] } }, "host");
  // On the bridge they are checked.
  normalizeHostOptions({ PortBindings: { "80/tcp": [{ HostPort: "8080" }] } }, "bridge");
  refused({ PortBindings: { "80/tcp": [{ HostPort: "x" }] } }, /invalid hostPort: x/, "bridge");
  refused({ PortBindings: { "80/tcpx": [] } }, /invalid proto: tcpx/, "bridge");
});

Deno.test("device cgroup rules parse as docker writes them", () => {
  deepStrictEqual(parseDeviceCgroupRule("c 1:3 mr"), {
    type: "c",
    major: 1,
    minor: 3,
    access: "mr",
  });
  deepStrictEqual(parseDeviceCgroupRule("a *:* rwm"), {
    type: "a",
    major: undefined,
    minor: undefined,
    access: "rwm",
  });
  throws(() => parseDeviceCgroupRule("c 1:3"), /invalid device cgroup format/);
});

Deno.test("resolv.conf: --dns, --dns-search and --dns-option replace the host's lines", () => {
  const host = "# comment\nnameserver 10.0.0.1\nsearch corp\noptions ndots:2\n";
  deepStrictEqual(resolvConf(host, { dns: [], search: [], options: [] }), host);
  deepStrictEqual(
    resolvConf(host, { dns: ["192.0.2.1"], search: ["a.test", "b.test"], options: [] }),
    "# comment\noptions ndots:2\nnameserver 192.0.2.1\nsearch a.test b.test\n",
  );
  deepStrictEqual(
    resolvConf("", { dns: ["192.0.2.1"], search: [], options: ["rotate"] }),
    "nameserver 192.0.2.1\noptions rotate\n",
  );
});

Deno.test("cgroupns and annotations are checked; bridge-only endpoint settings are refused", () => {
  const options = normalizeHostOptions(
    { CgroupnsMode: "private", Annotations: { a: "b" } },
    "none",
  );
  deepStrictEqual([options.CgroupnsMode, options.Annotations], ["private", { a: "b" }]);
  deepStrictEqual(normalizeHostOptions({}, "none").CgroupnsMode, "");
  throws(
    () => normalizeHostOptions({ CgroupnsMode: "shared" }, "none"),
    /invalid cgroup namespace/,
  );
  throws(() => normalizeHostOptions({ Annotations: { a: 1 } }, "none"), /Annotations must be/);
  throws(() => normalizeHostOptions({ StorageOpt: { size: "1G" } }, "none"), /xfs with 'pquota'/);

  deepStrictEqual(checkEndpointConfig(undefined, false), { aliases: [], links: [] });
  deepStrictEqual(checkEndpointConfig({ IPAMConfig: {} }, false), {
    aliases: [],
    ipv4Address: undefined,
    links: [],
  });
  throws(
    () => checkEndpointConfig({ IPAMConfig: { IPv4Address: "10.0.0.2" } }, false),
    /user specified IP address/,
  );
  throws(() => checkEndpointConfig({ Aliases: ["a"] }, false), /network-scoped aliases/);
  throws(() => checkEndpointConfig({ MacAddress: "02:42:ac:11:00" }, false), /invalid MAC/);
  throws(() => checkEndpointConfig({ DriverOpts: { a: 1 } }, true), /DriverOpts must/);
  deepStrictEqual(
    checkEndpointConfig({
      Aliases: ["a", "a"],
      IPAMConfig: { IPv4Address: "10.0.0.2" },
      MacAddress: "02:42:AC:11:00:02",
      Links: ["web:w"],
      DriverOpts: { "com.example": "1" },
    }, true),
    {
      aliases: ["a"],
      ipv4Address: "10.0.0.2",
      macAddress: "02:42:ac:11:00:02",
      links: ["web:w"],
      driverOpts: { "com.example": "1" },
    },
  );
});
