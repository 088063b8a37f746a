import { deepStrictEqual, ok, throws } from "node:assert/strict";
import {
  fixAuthorityInBlock,
  huffmanInto,
  huffmanSymbols,
} from "../../runtime/cri/legacy_authority.ts";
import { parseNetworkList } from "../../runtime/cni/cni_config.ts";
import { resultAddresses } from "../../runtime/cni/cni_exec.ts";
import { parseDaemonFlags } from "../../runtime/daemon_flags.ts";
import { matchesSelector, nanosOf } from "../../runtime/cri/cri_values.ts";

const LEGAL_AUTHORITY = /^[A-Za-z0-9\-._~!$&'()*+,;=:@\[\]%]*$/;

/** A header block: `:authority` as a literal with incremental indexing (name index 1), Huffman-coded. */
function huffmanAuthorityBlock(value: string): { block: Uint8Array; length: number } {
  const symbols = [...value].map((char) => char.charCodeAt(0));
  // Encode into a generous buffer, then cut it to the bytes used.
  const scratch = new Uint8Array(value.length * 4);
  const length = huffmanInto(symbols, scratch);
  const block = new Uint8Array([0x83, 0x41, 0x80 | length, ...scratch.subarray(0, length), 0x86]);
  return { block, length };
}

Deno.test("a socket path given as :authority becomes a legal one of the same sizes", () => {
  const path = "/run/berth/cri.sock";
  const { block, length } = huffmanAuthorityBlock(path);
  deepStrictEqual(String.fromCharCode(...huffmanSymbols(block.subarray(3, 3 + length))!), path);
  ok(fixAuthorityInBlock(block));
  deepStrictEqual(block[2], 0x80 | length, "the encoded length stays");
  const rewritten = String.fromCharCode(...huffmanSymbols(block.subarray(3, 3 + length))!);
  deepStrictEqual(rewritten.length, path.length, "the decoded length (the HPACK entry size) stays");
  ok(LEGAL_AUTHORITY.test(rewritten), rewritten);
  deepStrictEqual([block[0], block.at(-1)], [0x83, 0x86], "the other headers are untouched");
});

Deno.test("a legal authority, Huffman-coded or not, is left as it is", () => {
  const { block } = huffmanAuthorityBlock("localhost");
  const before = block.slice();
  ok(fixAuthorityInBlock(block));
  deepStrictEqual(block, before);
  const plain = new Uint8Array([0x41, 9, ...new TextEncoder().encode("localhost")]);
  const plainBefore = plain.slice();
  ok(fixAuthorityInBlock(plain));
  deepStrictEqual(plain, plainBefore);
});

Deno.test("a raw (not Huffman-coded) path as :authority is rewritten byte for byte", () => {
  const path = new TextEncoder().encode("/var/run/cri.sock");
  const block = new Uint8Array([0x41, path.length, ...path]);
  ok(fixAuthorityInBlock(block));
  const value = new TextDecoder().decode(block.subarray(2));
  deepStrictEqual(value.length, path.length);
  ok(LEGAL_AUTHORITY.test(value), value);
});

Deno.test("a single-plugin .conf is a network list of one; a list needs named plugins", () => {
  const list = parseNetworkList(
    JSON.stringify({ cniVersion: "0.4.0", name: "one", type: "bridge" }),
    "/etc/cni/net.d/10-one.conf",
  );
  deepStrictEqual([list.name, list.cniVersion, list.plugins.map((plugin) => plugin.type)], [
    "one",
    "0.4.0",
    ["bridge"],
  ]);
  throws(() => parseNetworkList(JSON.stringify({ name: "x", plugins: [] }), "f"), /no plugins/);
  throws(
    () => parseNetworkList(JSON.stringify({ name: "x", plugins: [{ type: "../sh" }] }), "f"),
    /valid type/,
  );
  throws(() => parseNetworkList(JSON.stringify({ plugins: [{ type: "bridge" }] }), "f"), /name/);
});

Deno.test("a CNI result's addresses: IPv4 first, without prefix lengths", () => {
  deepStrictEqual(
    resultAddresses({
      ips: [{ address: "fd00::5/64" }, { address: "10.88.0.5/16", gateway: "10.88.0.1" }],
    }),
    ["10.88.0.5", "fd00::5"],
  );
  deepStrictEqual(resultAddresses({}), []);
});

Deno.test("--registry-mirror takes [HOST=]URL; the CRI socket sits beside the API socket", () => {
  const flags = parseDaemonFlags([
    "--host",
    "unix:///tmp/x/berth.sock",
    "--registry-mirror",
    "http://127.0.0.1:5000",
    "--registry-mirror",
    "registry.k8s.io=http://127.0.0.1:5001/",
    "--registry-mirror",
    "registry.k8s.io=https://mirror.example",
  ]);
  deepStrictEqual(flags.registryMirrors, {
    "docker.io": ["http://127.0.0.1:5000"],
    "registry.k8s.io": ["http://127.0.0.1:5001", "https://mirror.example"],
  });
  deepStrictEqual(flags.criSocketPath, "/tmp/x/cri.sock");
  deepStrictEqual(parseDaemonFlags([]).criSocketPath, "/run/berth/cri.sock");
  deepStrictEqual(parseDaemonFlags(["--cri-socket", ""]).criSocketPath, "");
  deepStrictEqual(parseDaemonFlags([]).cniBinDirs, ["/opt/cni/bin", "/usr/lib/cni"]);
  throws(() => parseDaemonFlags(["--registry-mirror", "ftp://x"]), /\[HOST=\]URL/);
  throws(() => parseDaemonFlags(["--registry-mirror", "a=http://h/path"]), /\[HOST=\]URL/);
  throws(() => parseDaemonFlags(["--cni-conf-dir", "relative"]), /absolute/);
});

Deno.test("CRI timestamps keep RFC 3339's nanoseconds; label selectors match all pairs", () => {
  deepStrictEqual(nanosOf("2026-12-02T18:00:00.123456789Z"), "1796234400123456789");
  deepStrictEqual(nanosOf("0001-01-01T00:00:00Z"), "0");
  deepStrictEqual(nanosOf(1_000), "1000000000");
  ok(matchesSelector({ a: "1", b: "2" }, { a: "1" }));
  ok(!matchesSelector({ a: "1" }, { a: "1", b: "2" }));
  ok(matchesSelector({}, undefined));
});
