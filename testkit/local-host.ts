/**
 * A "host" for script tests: a temp directory as the Dokku root, the `dokku`
 * double on PATH, and /bin/sh running the generated scripts for real.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HostPathsSpec } from "../config";
import { hostPathsUnder } from "./host-paths";

export const DOUBLE_DIR = path.resolve(__dirname, "double");

export interface Invocation {
    cmd: string;
    args: string[];
    kind: "read" | "write" | "restart" | "rebuild" | "deploy" | "error";
    exit: number;
}

export interface RunResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** One JSON value per line; [] when the file does not exist. */
function readJsonl<T>(f: string): T[] {
    if (!fs.existsSync(f)) return [];
    return fs
        .readFileSync(f, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as T);
}

export class LocalHost {
    readonly root: string;
    readonly sharedRoot: string;
    readonly stateDir: string;
    /** `version`: a mode ("0.37" = 0.37.10, "0.38" = 0.38.27) or a full version, e.g. "0.37.7". */
    constructor(readonly version: "0.37" | "0.38" | `0.${number}.${number}` = "0.38") {
        this.root = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-host-"));
        this.sharedRoot = path.join(this.root, "var/lib/dokku/data/shared");
        this.stateDir = path.join(this.root, "var/lib/dokku-shared-cache");
    }
    env(): NodeJS.ProcessEnv {
        return {
            PATH: `${DOUBLE_DIR}:${process.env.PATH}`,
            DOKKU_DOUBLE_NODE: process.execPath,
            DOKKU_DOUBLE_ROOT: this.root,
            DOKKU_DOUBLE_VERSION: this.version,
            LC_ALL: "C.UTF-8",
        };
    }
    /** Runs a script with /bin/sh, as the remote shell would. */
    sh(script: string): RunResult {
        const r = spawnSync("/bin/sh", ["-c", script], { env: this.env(), encoding: "utf8" });
        return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    }
    dokku(...args: string[]): RunResult {
        const r = spawnSync(path.join(DOUBLE_DIR, "dokku"), args, {
            env: this.env(),
            encoding: "utf8",
        });
        return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    }
    createApp(name: string, deployed = false): void {
        const r = this.dokku("apps:create", name);
        if (r.code !== 0) throw new Error(r.stderr);
        if (deployed)
            fs.writeFileSync(path.join(this.root, "home/dokku", name, "CONTAINER.web.1"), "cid\n");
    }
    mounts(app: string): string[] {
        const r = this.dokku("--quiet", "storage:list", app);
        return r.stdout
            .split("\n")
            .filter((l) => l !== "")
            .sort();
    }
    config(app: string): Record<string, string> {
        return JSON.parse(this.dokku("config:export", "--format", "json", app).stdout) as Record<
            string,
            string
        >;
    }
    log(): Invocation[] {
        return readJsonl<Invocation>(path.join(this.root, "var/log/dokku-double.jsonl"));
    }
    clearLog(): void {
        fs.rmSync(path.join(this.root, "var/log/dokku-double.jsonl"), { force: true });
    }
    writes(): Invocation[] {
        return this.log().filter((i) => i.kind === "write");
    }
    restarts(): Invocation[] {
        return this.log().filter((i) => i.kind === "restart" || i.kind === "rebuild");
    }
    /** daemon.json, systemd and cron paths inside this host's root. */
    hostPaths(): HostPathsSpec {
        return hostPathsUnder(this.root);
    }
    /** Replaces the docker double's build cache (`lastUsedHoursAgo` per entry). */
    seedBuildCache(
        items: {
            id: string;
            size: number;
            hoursAgo: number;
            inUse?: boolean;
            /** The record type (`exec.cachemount` for a BuildKit cache mount); default regular. */
            type?: string;
            description?: string;
        }[],
    ): void {
        const f = path.join(this.root, "var/lib/docker-double/build-cache.json");
        fs.mkdirSync(path.dirname(f), { recursive: true });
        const now = Math.floor(Date.now() / 1000);
        fs.writeFileSync(
            f,
            JSON.stringify(
                items.map((i) => ({
                    id: i.id,
                    size: i.size,
                    lastUsed: now - i.hoursAgo * 3600,
                    dangling: false,
                    inUse: i.inUse ?? false,
                    ...(i.type ? { type: i.type } : {}),
                    ...(i.description ? { description: i.description } : {}),
                })),
            ),
        );
    }
    buildCache(): { id: string; size: number }[] {
        const f = path.join(this.root, "var/lib/docker-double/build-cache.json");
        return fs.existsSync(f)
            ? (JSON.parse(fs.readFileSync(f, "utf8")) as { id: string; size: number }[])
            : [];
    }
    /** Every docker double invocation: `{args, kind: read|prune|error|forbidden, exit}`. */
    dockerLog(): { args: string[]; kind: string; exit: number }[] {
        return readJsonl(path.join(this.root, "var/log/docker-double.jsonl"));
    }
    clearDockerLog(): void {
        fs.rmSync(path.join(this.root, "var/log/docker-double.jsonl"), { force: true });
    }
    cleanup(): void {
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}

/** The same host seen with extra environment (fault injection, costs) for the double. */
export function withEnv(host: LocalHost, extra: NodeJS.ProcessEnv): LocalHost {
    const h = Object.create(host) as LocalHost;
    h.env = () => ({ ...host.env(), ...extra });
    return h;
}
