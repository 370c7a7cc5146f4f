/**
 * Test helpers for a real PostgreSQL server: the CI cluster named by
 * `MAHAVISHNU_TEST_PG_URL` (started by `.ci/run`), or a throwaway cluster in a
 * temporary directory run as the `postgres` user. Under `CI=true` a missing
 * server fails the tests instead of skipping them.
 *
 * @module
 */

import postgres from "postgres";

/** True when PostgreSQL tests can run here (a URL is given or `initdb` is installed). */
export function postgresAvailable(): boolean {
  if (Deno.env.get("MAHAVISHNU_TEST_PG_URL")) return true;
  if (findBin("initdb") !== null) return true;
  if (Deno.env.get("CI") === "true") {
    throw new Error(
      "PostgreSQL tests cannot run: set MAHAVISHNU_TEST_PG_URL or install postgresql (apt-get install -y postgresql)",
    );
  }
  return false;
}

/** `ignore` value for PostgreSQL tests: skip only outside CI when no server can be had. */
export const ignorePostgres: boolean = !postgresAvailable();

function findBin(name: string): string | null {
  const dirs = [...(Deno.env.get("PATH") ?? "").split(":"), "/usr/local/bin"];
  try {
    for (const v of Deno.readDirSync("/usr/lib/postgresql")) dirs.push(`/usr/lib/postgresql/${v.name}/bin`);
  } catch { /* not installed */ }
  for (const d of dirs) {
    try {
      if (d && Deno.statSync(`${d}/${name}`).isFile) return `${d}/${name}`;
    } catch { /* next */ }
  }
  return null;
}

async function idOf(flag: string, user?: string): Promise<number> {
  const out = await new Deno.Command("id", { args: user ? [flag, user] : [flag], stdout: "piped" }).output();
  return Number(new TextDecoder().decode(out.stdout).trim());
}

async function run(cmd: string[], what: string): Promise<void> {
  const asRoot = (await idOf("-u")) === 0;
  const args = asRoot ? ["-u", "postgres", "--", ...cmd] : cmd.slice(1);
  const out = await new Deno.Command(asRoot ? "runuser" : cmd[0], { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${what} failed: ${new TextDecoder().decode(out.stderr)}${new TextDecoder().decode(out.stdout)}`);
  }
}

/** A throwaway PostgreSQL cluster that a test can stop and start. */
export interface TestCluster {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and removes its directory. */
  destroy(): Promise<void>;
}

/** Starts a throwaway cluster on a free port (as the `postgres` user when running as root). */
export async function startCluster(): Promise<TestCluster> {
  const initdb = findBin("initdb");
  const pgCtl = findBin("pg_ctl");
  if (!initdb || !pgCtl) throw new Error("PostgreSQL is not installed: apt-get install -y postgresql");
  const dir = Deno.makeTempDirSync({ prefix: "mahavishnu_pg_" });
  const data = `${dir}/data`;
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const cluster: TestCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start: () => run([pgCtl, "-D", data, "-o", opts, "-l", `${dir}/log`, "-w", "start"], "pg_ctl start"),
    stop: () => run([pgCtl, "-D", data, "-m", "fast", "-w", "stop"], "pg_ctl stop"),
    async destroy() {
      await cluster.stop().catch(() => {});
      Deno.removeSync(dir, { recursive: true });
    },
  };
  try {
    if ((await idOf("-u")) === 0) Deno.chownSync(dir, await idOf("-u", "postgres"), await idOf("-g", "postgres"));
    await run([initdb, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"], "initdb");
    await cluster.start();
  } catch (error) {
    await cluster.destroy(); // leave no directory (or server) behind
    throw error;
  }
  return cluster;
}

/** A fresh database for one test, on the CI server or a throwaway cluster; `drop()` removes it. */
export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  let base = Deno.env.get("MAHAVISHNU_TEST_PG_URL");
  let cluster: TestCluster | null = null;
  if (!base) {
    cluster = await startCluster();
    base = cluster.url;
  }
  const name = `t_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    async drop() {
      if (cluster) return await cluster.destroy();
      const a = postgres(base, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
