/**
 * Reads a V8 `.cpuprofile` (from `deno run --cpu-prof`) and lists the
 * functions that cost the most, by self time, with their total (inclusive)
 * time.
 *
 * Usage: `deno run --allow-read bench/cpuprofile_top.ts FILE.cpuprofile [N]` (N default 10).
 *
 * @module
 */

/** A `.cpuprofile` as V8 writes it (the fields used here). */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** One function's cost. */
export interface FunctionCost {
  /** `name (file:line)`, the file relative to `root` when under it, npm packages as `npm:name/version/file`. */
  name: string;
  /** Milliseconds sampled in the function itself. */
  selfMs: number;
  /** Milliseconds sampled in it or anything it called. */
  totalMs: number;
  /** Share of the profile's sampled time (idle excluded), 0..1. */
  selfShare: number;
}

/** Options for {@link topFunctions}. */
export interface TopOptions {
  /** How many to return. Default 10. */
  count?: number;
  /** Made relative in names. Default: none. */
  root?: string;
  /** Leave out V8's `(idle)`, `(program)` and `(garbage collector)` rows. Default false (only `(idle)` is left out). */
  jsOnly?: boolean;
}

/** The functions with the most self time, most expensive first. */
export function topFunctions(profile: CpuProfile, options: TopOptions = {}): FunctionCost[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (id: number): string => {
    const f = byId.get(id)!.callFrame;
    let url = f.url.replace(/^file:\/\//, "");
    if (options.root && url.startsWith(options.root)) url = url.slice(options.root.length);
    url = url.replace(/^.*\/npm\/registry\.npmjs\.org\//, "npm:");
    const name = f.functionName || "(anonymous)";
    return url ? `${name} (${url}:${f.lineNumber + 1})` : name;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let sampled = 0;
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // The time to the next sample is spent where this sample was taken (as Chrome DevTools counts).
    const us = timeDeltas[i + 1] ?? 0;
    const key = keyOf(samples[i]);
    if (key === "(idle)") continue;
    sampled += us;
    self.set(key, (self.get(key) ?? 0) + us);
    const seen = new Set<string>();
    for (let id: number | undefined = samples[i]; id !== undefined; id = parent.get(id)) {
      const k = keyOf(id);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + us);
    }
  }
  const hidden = options.jsOnly ? new Set(["(program)", "(garbage collector)", "(root)"]) : new Set(["(root)"]);
  return [...self.entries()]
    .filter(([k]) => !hidden.has(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, options.count ?? 10)
    .map(([name, us]) => ({
      name,
      selfMs: us / 1000,
      totalMs: (total.get(name) ?? us) / 1000,
      selfShare: sampled > 0 ? us / sampled : 0,
    }));
}

if (import.meta.main) {
  const [file, n] = Deno.args;
  if (!file) {
    console.error("usage: cpuprofile_top.ts FILE.cpuprofile [N]");
    Deno.exit(2);
  }
  const profile = JSON.parse(await Deno.readTextFile(file)) as CpuProfile;
  const root = new URL("../", import.meta.url).pathname;
  for (const f of topFunctions(profile, { count: Number(n ?? 10), root })) {
    console.log(
      `${f.selfMs.toFixed(0).padStart(7)} ms self ${(f.selfShare * 100).toFixed(1).padStart(5)}%  ` +
        `${f.totalMs.toFixed(0).padStart(7)} ms total  ${f.name}`,
    );
  }
}
