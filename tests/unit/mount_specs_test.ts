import { deepStrictEqual, throws } from "node:assert/strict";
import { mountRequests, parseBind } from "../../runtime/containers/mount_requests.ts";
import { byDepth } from "../../runtime/containers/mount_points.ts";
import { parseMountOption } from "../../cli/mount_option.ts";

Deno.test("-v: a destination alone is an anonymous volume, a name a named one, a path a bind", () => {
  deepStrictEqual(parseBind("/data/"), {
    type: "volume",
    destination: "/data",
    readOnly: false,
    noCopy: false,
  });
  deepStrictEqual(parseBind("cache:/var/cache:ro,nocopy"), {
    type: "volume",
    name: "cache",
    destination: "/var/cache",
    readOnly: true,
    noCopy: true,
  });
  deepStrictEqual(parseBind("/srv//x/../y:/mnt:rslave"), {
    type: "bind",
    source: "/srv/y",
    destination: "/mnt",
    readOnly: false,
    propagation: "rslave",
    createSource: true,
  });
  // `/dst:ro` is a destination with options.
  deepStrictEqual(parseBind("/dst:ro"), {
    type: "volume",
    destination: "/dst",
    readOnly: true,
    noCopy: false,
  });
});

Deno.test("-v: relative or root destinations, unknown modes and conflicting ones are refused", () => {
  throws(() => parseBind("name:relative"), /mount path must be absolute/);
  throws(() => parseBind("/src:/"), /destination can't be '\/'/);
  throws(() => parseBind("/src:/dst:rx"), /invalid mode: rx/);
  throws(() => parseBind("/src:/dst:ro,rw"), /invalid mode: ro,rw/);
  throws(() => parseBind("a:b:c:d"), /too many colons/);
  throws(() => parseBind("vol:/dst:rshared"), /only for bind mounts/);
});

Deno.test("mounts: one per destination; image volumes fill only the paths left free", () => {
  const requests = mountRequests(
    { Binds: ["/host:/etc"], Tmpfs: { "/run": "size=1m" } },
    ["/etc", "/var/lib/data"],
  );
  deepStrictEqual(requests.map((request) => `${request.type} ${request.destination}`), [
    "bind /etc",
    "tmpfs /run",
    "volume /var/lib/data",
  ]);
  throws(
    () => mountRequests({ Binds: ["a1:/x"], Mounts: [{ Type: "tmpfs", Target: "/x/" }] }, []),
    /Duplicate mount point: \/x/,
  );
  throws(() => mountRequests({ Mounts: [{ Type: "npipe", Target: "/x" }] }, []), /not supported/);
  throws(() => mountRequests({ Binds: "oops" }, []), /must be a list/);
});

Deno.test("mounts go parents first, keeping the order of equals", () => {
  const sorted = byDepth(["/a/b/c", "/a", "/x", "/a/b"], (path) => path);
  deepStrictEqual(sorted, ["/a", "/x", "/a/b", "/a/b/c"]);
});

Deno.test("--mount: key=value fields, bare booleans, sizes and modes", () => {
  deepStrictEqual(parseMountOption("type=bind,src=/a,dst=/b,readonly,bind-propagation=rslave"), {
    Type: "bind",
    Source: "/a",
    Target: "/b",
    ReadOnly: true,
    BindOptions: { Propagation: "rslave" },
  });
  deepStrictEqual(parseMountOption("target=/t,type=tmpfs,tmpfs-size=64m,tmpfs-mode=1770"), {
    Type: "tmpfs",
    Target: "/t",
    TmpfsOptions: { SizeBytes: 64 * 1024 * 1024, Mode: 0o1770 },
  });
  deepStrictEqual(parseMountOption("source=v,target=/v,volume-nocopy,volume-label=a=b"), {
    Type: "volume",
    Source: "v",
    Target: "/v",
    VolumeOptions: { NoCopy: true, Labels: { a: "b" } },
  });
  throws(() => parseMountOption("type=bind,src=/a"), /target is required/);
  throws(() => parseMountOption("target=/a,color=red"), /unexpected key 'color'/);
  throws(() => parseMountOption("target=/a,readonly=maybe"), /invalid value for readonly/);
});
