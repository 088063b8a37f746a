import { deepStrictEqual, throws } from "node:assert/strict";
import {
  nextRestartDelay,
  normalizeRestartPolicy,
  policyRestarts,
} from "../../runtime/containers/restart_policy.ts";

Deno.test("which exits each policy restarts", () => {
  const policy = (Name: string, MaximumRetryCount = 0) =>
    normalizeRestartPolicy({ Name, MaximumRetryCount }, false);
  deepStrictEqual(policyRestarts(policy("no"), 1, 0), false);
  deepStrictEqual(policyRestarts(policy("always"), 0, 50), true);
  deepStrictEqual(policyRestarts(policy("unless-stopped"), 0, 0), true);
  deepStrictEqual(policyRestarts(policy("on-failure"), 0, 0), false);
  deepStrictEqual(policyRestarts(policy("on-failure"), 1, 99), true);
  deepStrictEqual(policyRestarts(policy("on-failure", 2), 1, 1), true);
  deepStrictEqual(policyRestarts(policy("on-failure", 2), 1, 2), false);
});

Deno.test("the delay doubles from 100 ms to a minute, and a 10 s run resets it", () => {
  deepStrictEqual(nextRestartDelay(0, 5), 100);
  deepStrictEqual(nextRestartDelay(100, 5), 200);
  deepStrictEqual(nextRestartDelay(40_000, 5), 60_000);
  deepStrictEqual(nextRestartDelay(60_000, 5), 60_000);
  deepStrictEqual(nextRestartDelay(60_000, 10_000), 100);
});

Deno.test("policies are checked as docker's daemon checks them", () => {
  deepStrictEqual(normalizeRestartPolicy(undefined, true), { Name: "no", MaximumRetryCount: 0 });
  throws(() => normalizeRestartPolicy({ Name: "sometimes" }, false), /invalid restart policy/);
  throws(
    () => normalizeRestartPolicy({ Name: "always", MaximumRetryCount: 2 }, false),
    /only be used with 'on-failure'/,
  );
  throws(() => normalizeRestartPolicy({ Name: "on-failure", MaximumRetryCount: -1 }, false));
  throws(() => normalizeRestartPolicy({ Name: "always" }, true), /AutoRemove/);
});
