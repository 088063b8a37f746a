import { deepStrictEqual, throws } from "node:assert/strict";
import { normalizeResources, ociResources, parseCpuList } from "../../runtime/oci/resources.ts";

const host = { cpuCount: 4, onlineCpus: "0-3" };
const MiB = 1024 * 1024;

Deno.test("docker's limits become OCI resources: --cpus as a CFS quota, unset ones left out", () => {
  deepStrictEqual(ociResources(normalizeResources({}, host)), {});
  deepStrictEqual(
    ociResources(normalizeResources({
      Memory: 64 * MiB,
      MemorySwap: -1,
      MemoryReservation: 32 * MiB,
      NanoCpus: 1_500_000_000,
      CpuShares: 512,
      CpusetCpus: "0,2-3",
      PidsLimit: 100,
      BlkioWeight: 300,
      OomKillDisable: true,
      MemorySwappiness: 10,
    }, host)),
    {
      memory: {
        limit: 64 * MiB,
        swap: -1,
        reservation: 32 * MiB,
        swappiness: 10,
        disableOOMKiller: true,
      },
      cpu: { shares: 512, period: 100_000, quota: 150_000, cpus: "0,2-3" },
      pids: { limit: 100 },
      blockIO: { weight: 300 },
    },
  );
  // -1 and 0 both mean no pids limit, as in docker.
  deepStrictEqual(normalizeResources({ PidsLimit: -1 }, host).PidsLimit, 0);
  deepStrictEqual(ociResources(normalizeResources({ CpuPeriod: 50_000, CpuQuota: 25_000 }, host)), {
    cpu: { period: 50_000, quota: 25_000 },
  });
});

Deno.test("limits docker refuses are refused with its messages", () => {
  const refused = (limits: Record<string, unknown>, message: RegExp) =>
    throws(() => normalizeResources(limits, host), message);
  refused({ Memory: MiB }, /Minimum memory limit allowed is 6MB/);
  refused({ MemorySwap: 64 * MiB }, /always set the Memory limit/);
  refused({ Memory: 64 * MiB, MemorySwap: 32 * MiB }, /should be larger than memory limit/);
  refused(
    { Memory: 16 * MiB, MemoryReservation: 32 * MiB },
    /can not be less than memory reservation/,
  );
  refused({ NanoCpus: 5e9 }, /from 0\.01 to 4\.00, as there are only 4 CPUs available/);
  refused({ NanoCpus: 1e9, CpuPeriod: 100_000 }, /Nano CPUs and CPU Period cannot both be set/);
  refused({ CpuQuota: 10 }, /quota can not be less than 1ms/);
  refused({ CpusetCpus: "1-" }, /Invalid value 1- for cpus/);
  refused({ CpusetCpus: "2-5" }, /requested 2-5, available: 0-3/);
  refused({ BlkioWeight: 5 }, /Range of blkio weight is from 10 to 1000/);
  refused({ MemorySwappiness: 101 }, /valid memory swappiness range is 0-100/);
  refused({ Memory: 1.5 }, /Memory must be a whole number/);
});

Deno.test("cpuset lists parse as the kernel writes them", () => {
  deepStrictEqual(parseCpuList("0-2,4"), [0, 1, 2, 4]);
  deepStrictEqual(parseCpuList("3"), [3]);
  deepStrictEqual(parseCpuList("2-1"), undefined);
  deepStrictEqual(parseCpuList("a"), undefined);
});
