import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import {
  AF_VSOCK,
  ALLOWED_FAMILIES,
  ALLOWED_PERSONALITIES,
  BUILTIN_PROFILE,
  CAPABILITY_GATES,
  CLONE_NAMESPACE_FLAGS,
} from "../../runtime/oci/seccomp_builtin.ts";
import {
  kernelAtLeast,
  MAX_PROFILE_BYTES,
  type OciSeccomp,
  parseSeccompProfile,
  resolveSeccomp,
} from "../../runtime/oci/seccomp_profile.ts";
import { containerSeccomp, splitSecurityOption } from "../../runtime/oci/seccomp.ts";
import { DEFAULT_CAPABILITIES } from "../../runtime/oci/defaults.ts";

const KERNEL = "6.18.44";

function builtin(capabilities = DEFAULT_CAPABILITIES, kernel = KERNEL, arch = "amd64") {
  return resolveSeccomp(BUILTIN_PROFILE, { capabilities, kernel, arch });
}

/** Names allowed with no argument condition. */
function allowedOutright(profile: OciSeccomp): Set<string> {
  return new Set(
    profile.syscalls.filter((rule) => rule.action === "SCMP_ACT_ALLOW" && !rule.args)
      .flatMap((rule) => rule.names),
  );
}

function rulesFor(profile: OciSeccomp, name: string) {
  return profile.syscalls.filter((rule) => rule.names.includes(name));
}

Deno.test("the builtin profile denies with EPERM by default, for the host's architectures", () => {
  const profile = builtin();
  deepStrictEqual([profile.defaultAction, profile.defaultErrnoRet], ["SCMP_ACT_ERRNO", 1]);
  deepStrictEqual(profile.architectures, ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
  deepStrictEqual(builtin(DEFAULT_CAPABILITIES, KERNEL, "arm64").architectures, [
    "SCMP_ARCH_AARCH64",
    "SCMP_ARCH_ARM",
  ]);
});

Deno.test("every family of the allowlist is allowed to every container", () => {
  const allowed = allowedOutright(builtin());
  for (const [family, names] of Object.entries(ALLOWED_FAMILIES)) {
    ok(names.length > 10 || family === "IPC", family);
    for (const name of names) ok(allowed.has(name), `${family}: ${name}`);
  }
  // The x86 calls on x86 only, the arm calls on arm only.
  ok(allowed.has("arch_prctl"));
  ok(!allowed.has("cacheflush"));
  ok(allowedOutright(builtin(DEFAULT_CAPABILITIES, KERNEL, "arm64")).has("cacheflush"));
  ok(!allowedOutright(builtin(DEFAULT_CAPABILITIES, KERNEL, "arm64")).has("arch_prctl"));
});

Deno.test("the calls behind container escapes are in no allow rule, whatever the capabilities", () => {
  const everything = builtin([...DEFAULT_CAPABILITIES, ...Object.keys(CAPABILITY_GATES)]);
  for (
    const name of [
      "keyctl",
      "add_key",
      "request_key",
      "userfaultfd",
      "kexec_load",
      "kexec_file_load",
      "swapon",
      "swapoff",
      "io_uring_setup",
      "io_uring_enter",
      "uselib",
      "ustat",
      "_sysctl",
      "vm86",
      "create_module",
      "nfsservctl",
    ]
  ) {
    deepStrictEqual(rulesFor(everything, name), [], name);
  }
});

Deno.test("a capability unlocks exactly the calls it gates", () => {
  const plain = allowedOutright(builtin([]));
  for (const [capability, names] of Object.entries(CAPABILITY_GATES)) {
    const unlocked = allowedOutright(builtin([capability]));
    for (const name of names) {
      ok(unlocked.has(name), `${capability} unlocks ${name}`);
      // ptrace and friends are allowed from kernel 4.8 on anyway (docker's rule).
      if (capability !== "CAP_SYS_PTRACE") ok(!plain.has(name), `${name} needs ${capability}`);
    }
  }
  for (const name of ["mount", "umount2", "setns", "unshare", "bpf", "reboot", "init_module"]) {
    ok(!allowedOutright(builtin()).has(name), `${name} is not among docker's default capabilities`);
  }
});

Deno.test("clone may make no namespace without CAP_SYS_ADMIN; clone3 falls back to it", () => {
  const plain = builtin();
  deepStrictEqual(rulesFor(plain, "clone"), [{
    names: ["clone"],
    action: "SCMP_ACT_ALLOW",
    args: [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }],
  }]);
  strictEqual(CLONE_NAMESPACE_FLAGS, 0x7e020000);
  deepStrictEqual(rulesFor(plain, "clone3"), [{
    names: ["clone3"],
    action: "SCMP_ACT_ERRNO",
    errnoRet: 38,
  }]);
  const admin = builtin([...DEFAULT_CAPABILITIES, "CAP_SYS_ADMIN"]);
  ok(allowedOutright(admin).has("clone") && allowedOutright(admin).has("clone3"));
  ok(rulesFor(admin, "clone").every((rule) => !rule.args));
});

Deno.test("personality takes only its harmless values, socket no AF_VSOCK", () => {
  const profile = builtin();
  deepStrictEqual(
    rulesFor(profile, "personality").map((rule) => rule.args![0].value),
    ALLOWED_PERSONALITIES,
  );
  ok(rulesFor(profile, "personality").every((rule) => rule.args![0].op === "SCMP_CMP_EQ"));
  deepStrictEqual(rulesFor(profile, "socket"), [{
    names: ["socket"],
    action: "SCMP_ACT_ALLOW",
    args: [{ index: 0, value: AF_VSOCK, valueTwo: 0, op: "SCMP_CMP_NE" }],
  }]);
});

Deno.test("ptrace is allowed from kernel 4.8 on, before that only with CAP_SYS_PTRACE", () => {
  ok(allowedOutright(builtin()).has("ptrace"));
  ok(!allowedOutright(builtin(DEFAULT_CAPABILITIES, "4.4.0")).has("ptrace"));
  ok(allowedOutright(builtin([...DEFAULT_CAPABILITIES, "CAP_SYS_PTRACE"], "4.4.0")).has("ptrace"));
  ok(kernelAtLeast("6.18.44-fc-v1045", "4.8"));
  ok(kernelAtLeast("4.8.0", "4.8") && !kernelAtLeast("4.7.10", "4.8"));
});

Deno.test("profiles are checked as they come: bad JSON, actions, operators, architectures and size", () => {
  throws(() => parseSeccompProfile("{not json"), /Decoding seccomp profile failed/);
  throws(() => parseSeccompProfile('{"defaultAction":"SCMP_ACT_MAYBE"}'), /unknown action/);
  throws(
    () =>
      parseSeccompProfile(JSON.stringify({
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_NOPE" }],
      })),
    /unknown action "SCMP_ACT_NOPE" in rule 0 \(mkdir\)/,
  );
  throws(
    () =>
      parseSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_Z80"]}'),
    /unknown architecture "SCMP_ARCH_Z80"/,
  );
  throws(
    () =>
      parseSeccompProfile(JSON.stringify({
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{ names: ["read"], action: "SCMP_ACT_ERRNO", args: [{ index: 0, op: "LIKE" }] }],
      })),
    /invalid argument condition/,
  );
  throws(
    () =>
      parseSeccompProfile(
        `{"defaultAction":"SCMP_ACT_ALLOW","x":"${"a".repeat(MAX_PROFILE_BYTES)}"}`,
      ),
    /at most 1048576/,
  );
  // Names the kernel lacks are kept, as docker keeps them: the runtime skips them.
  const kept = parseSeccompProfile(JSON.stringify({
    defaultAction: "SCMP_ACT_ALLOW",
    syscalls: [{ name: "no_such_call", action: "SCMP_ACT_ERRNO" }],
  }));
  deepStrictEqual(resolveSeccomp(kept, { capabilities: [], kernel: KERNEL }).syscalls, [{
    names: ["no_such_call"],
    action: "SCMP_ACT_ERRNO",
  }]);
});

Deno.test("a profile's includes and excludes pick the rules for a container", () => {
  const profile = parseSeccompProfile(JSON.stringify({
    defaultAction: "SCMP_ACT_ERRNO",
    architectures: ["SCMP_ARCH_X86_64"],
    syscalls: [
      { names: ["read"], action: "SCMP_ACT_ALLOW" },
      { names: ["mount"], action: "SCMP_ACT_ALLOW", includes: { caps: ["CAP_SYS_ADMIN"] } },
      { names: ["write"], action: "SCMP_ACT_ALLOW", excludes: { caps: ["CAP_SYS_ADMIN"] } },
      { names: ["new_call"], action: "SCMP_ACT_ALLOW", includes: { minKernel: "7.0" } },
    ],
  }));
  const names = (capabilities: string[]) =>
    resolveSeccomp(profile, { capabilities, kernel: KERNEL }).syscalls.flatMap((rule) =>
      rule.names
    );
  deepStrictEqual(names([]), ["read", "write"]);
  deepStrictEqual(names(["CAP_SYS_ADMIN"]), ["read", "mount"]);
  deepStrictEqual(resolveSeccomp(profile, { capabilities: [], kernel: KERNEL }).architectures, [
    "SCMP_ARCH_X86_64",
  ]);
});

Deno.test("which filter a container gets: none privileged or unconfined, its own, else the daemon's", () => {
  const caps = DEFAULT_CAPABILITIES;
  const builtinDefault = { kind: "builtin" } as const;
  strictEqual(containerSeccomp({ Privileged: true }, caps, builtinDefault), undefined);
  strictEqual(
    containerSeccomp({ SecurityOpt: ["seccomp=unconfined"] }, caps, builtinDefault),
    undefined,
  );
  strictEqual(
    containerSeccomp({ SecurityOpt: ["seccomp:unconfined"] }, caps, builtinDefault),
    undefined,
  );
  const own = containerSeccomp(
    { SecurityOpt: ['seccomp={"defaultAction":"SCMP_ACT_LOG"}'] },
    caps,
    builtinDefault,
  );
  strictEqual(own?.defaultAction, "SCMP_ACT_LOG");
  strictEqual(containerSeccomp({}, caps, { kind: "unconfined" }), undefined);
  // One resolution per capability set.
  strictEqual(
    containerSeccomp({}, caps, builtinDefault),
    containerSeccomp({}, [...caps].reverse(), builtinDefault),
  );
  deepStrictEqual(splitSecurityOption('seccomp={"a":"b=c"}'), ["seccomp", '{"a":"b=c"}']);
  deepStrictEqual(splitSecurityOption("no-new-privileges"), ["no-new-privileges", undefined]);
});
