import { deepStrictEqual } from "node:assert/strict";
import {
  parseBlkio,
  parseKeyValues,
  parseNetDev,
  systemCpuNs,
} from "../../runtime/containers/stats.ts";
import { statsRow } from "../../cli/commands/stats.ts";

Deno.test("cgroup and /proc files are read as docker reads them", () => {
  deepStrictEqual(parseKeyValues("user 12\nsystem 3\n\nbad x\n"), { user: 12, system: 3 });
  deepStrictEqual(systemCpuNs("cpu  10 0 5 100 1 0 0 0 0 0\ncpu0 1 2 3\n"), 116 * 10_000_000);
  deepStrictEqual(parseBlkio("8:0 Read 4096\n8:0 Write 512\n8:0 Sync 1\nTotal 4608\n", false), [
    { major: 8, minor: 0, op: "read", value: 4096 },
    { major: 8, minor: 0, op: "write", value: 512 },
  ]);
  const netDev = [
    "Inter-|   Receive                                                |  Transmit",
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed",
    "    lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0",
    "  eth0:    1234      12    1    2    0     0          0         0     5678      34    3    4    0     0       0          0",
  ].join("\n");
  deepStrictEqual(parseNetDev(netDev), {
    eth0: {
      rx_bytes: 1234,
      rx_packets: 12,
      rx_errors: 1,
      rx_dropped: 2,
      tx_bytes: 5678,
      tx_packets: 34,
      tx_errors: 3,
      tx_dropped: 4,
    },
  });
  deepStrictEqual(parseBlkio("254:0 rbytes=10 wbytes=20 rios=1\n", true), [
    { major: 254, minor: 0, op: "read", value: 10 },
    { major: 254, minor: 0, op: "write", value: 20 },
  ]);
});

Deno.test("a table row: CPU % from the two samples, memory without the inactive page cache", () => {
  const row = statsRow({
    name: "/web",
    id: "0123456789abcdef",
    cpu_stats: { cpu_usage: { total_usage: 3_000 }, system_cpu_usage: 20_000, online_cpus: 2 },
    precpu_stats: { cpu_usage: { total_usage: 1_000 }, system_cpu_usage: 10_000, online_cpus: 2 },
    memory_stats: {
      usage: 3 * 1048576,
      limit: 64 * 1048576,
      stats: { total_inactive_file: 1048576 },
    },
    pids_stats: { current: 4 },
    blkio_stats: {
      io_service_bytes_recursive: [{ op: "Read", value: 2000 }, { op: "write", value: 1000 }],
    },
  }, false);
  deepStrictEqual(row, {
    Container: "0123456789ab",
    ID: "0123456789ab",
    Name: "web",
    CPUPerc: "40.00%",
    MemUsage: "2MiB / 64MiB",
    MemPerc: "3.13%",
    NetIO: "0B / 0B",
    BlockIO: "2kB / 1kB",
    PIDs: "4",
  });
});
