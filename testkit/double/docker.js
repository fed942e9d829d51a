#!/usr/bin/env node
/*
 * A `docker` CLI test double for the build-cache subset of
 * ../shared/dokku-contract.md §7: `version`, `buildx version`,
 * `buildx prune` / `builder prune` (buildx or legacy), `buildx du` /
 * `builder du`, `system df`, `info --format '{{.DockerRootDir}}'`. Versions: DOCKER_DOUBLE_ENGINE (default
 * 28.2.2), DOCKER_DOUBLE_BUILDX (default 0.23.0; "none" = no buildx plugin,
 * so `docker builder` is the legacy CLI). The build cache is a JSON list in
 * $DOKKU_DOUBLE_ROOT/var/lib/docker-double/build-cache.json:
 * [{id, size, lastUsed (epoch s), dangling, inUse}]. Every invocation is
 * logged to $ROOT/var/log/docker-double.jsonl; any command outside the
 * allowed subset (stop, rm, kill, system prune, volume, image rm ...) is
 * logged as "forbidden" and exits 99 so tests catch it.
 * An entry may be backed by a file $ROOT/var/lib/docker/buildkit-double/<id> (tests that fill a
 * file system put Docker's data root there): a prune removes it, as the daemon's prune releases
 * the entry's snapshot (moby/buildkit cache/manager.go prune, read at v0.23.0).
 */
"use strict";
const fs = require("fs");
const path = require("path");
const { ramInBytes } = require("./go-units");

const ROOT = process.env.DOKKU_DOUBLE_ROOT || "/";
const ENGINE = process.env.DOCKER_DOUBLE_ENGINE || "28.2.2";
const BUILDX = process.env.DOCKER_DOUBLE_BUILDX || "0.23.0";
const DAEMON_UP = process.env.DOCKER_DOUBLE_DAEMON !== "down";
const r = (...p) => path.join(ROOT, ...p);
const CACHE = r("var/lib/docker-double/build-cache.json");
const args = process.argv.slice(2);

function log(kind, exit) {
    const f = r("var/log/docker-double.jsonl");
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.appendFileSync(f, JSON.stringify({ args, kind, exit, t: Date.now() }) + "\n");
}
function done(kind, code) {
    log(kind, code);
    process.exit(code);
}
const major = (v) => Number(v.split(".")[0]);
const minor = (v) => Number(v.split(".")[1]);
const hasBuildx = BUILDX !== "none";
const buildxAtLeast = (m) => hasBuildx && (major(BUILDX) > 0 || minor(BUILDX) >= m);

/** go-units HumanSize: decimal, 4 significant digits. */
function human(n) {
    const units = ["B", "kB", "MB", "GB", "TB", "PB"];
    let i = 0;
    let v = n;
    while (v >= 1000 && i < units.length - 1) {
        v /= 1000;
        i++;
    }
    return `${Number(v.toPrecision(4))}${units[i]}`;
}
function parseSize(s) {
    return Number(ramInBytes(s));
}
function parseAge(s) {
    const m = /^(\d+)(h|m|s)$/.exec(s);
    if (!m) return undefined;
    return Number(m[1]) * { h: 3600, m: 60, s: 1 }[m[2]];
}
function load() {
    try {
        return JSON.parse(fs.readFileSync(CACHE, "utf8"));
    } catch {
        return [];
    }
}
function save(items) {
    fs.mkdirSync(path.dirname(CACHE), { recursive: true });
    fs.writeFileSync(CACHE, JSON.stringify(items));
}
function needDaemon() {
    if (!DAEMON_UP) {
        process.stderr.write(
            "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n",
        );
        done("error", 1);
    }
}

/** Parses prune flags; unknown flags exit 125 like the real CLI. */
function prune(legacy) {
    needDaemon();
    const known = new Set(["-a", "--all", "-f", "--force", "--verbose"]);
    const valued = new Set(["--filter", "--keep-storage"]);
    if (!legacy && buildxAtLeast(18)) {
        valued.add("--reserved-space");
        valued.add("--max-used-space");
        valued.add("--min-free-space");
    }
    const o = { all: false, force: false, filters: [] };
    const rest = args.slice(2);
    for (let i = 0; i < rest.length; i++) {
        const a = rest[i];
        if (known.has(a)) {
            if (a === "-a" || a === "--all") o.all = true;
            if (a === "-f" || a === "--force") o.force = true;
            continue;
        }
        if (valued.has(a)) {
            const v = rest[++i];
            if (a === "--filter") o.filters.push(v);
            else {
                // Size flags are opts.MemBytes: RAMInBytes at flag parsing (exit 125 on error).
                const n = ramInBytes(v ?? "");
                if (n instanceof Error) {
                    process.stderr.write(
                        `invalid argument "${v}" for "${a}" flag: ${n.message}\nSee 'docker ${legacy ? "builder" : "buildx"} prune --help'.\n`,
                    );
                    done("error", 125);
                }
                o[a.slice(2)] = v;
            }
            continue;
        }
        process.stderr.write(
            `unknown flag: ${a}\nSee 'docker ${legacy ? "builder" : "buildx"} prune --help'.\n`,
        );
        done("error", 125);
    }
    if (o["keep-storage"] !== undefined && !legacy && buildxAtLeast(18)) {
        process.stderr.write(
            "Flag --keep-storage has been deprecated, keep-storage flag has been changed to reserved-space\n",
        );
    }
    if ((o["max-used-space"] || o["min-free-space"]) && major(ENGINE) < 28) {
        process.stderr.write(
            "ERROR: buildkit v0.17.0+ is required for max-used-space and min-free-space filters\n",
        );
        done("error", 1);
    }
    if (!o.force) {
        process.stdout.write(
            `WARNING! This will remove ${o.all ? "all" : "all dangling"} build cache. Are you sure you want to continue? [y/N] `,
        );
        done("read", 0);
    }
    const now = Math.floor(Date.now() / 1000);
    let items = load();
    // A cache mount (exec.cachemount) is a mutable record no image shares: pruned without --all
    // too (buildkit cache/manager.go prune skips only internal, frontend and shared records).
    let type;
    const removable = (it) =>
        !it.inUse &&
        (o.all || it.dangling || it.type === "exec.cachemount") &&
        (type === undefined || (it.type || "regular") === type);
    let until;
    for (const f of o.filters) {
        // `type=X` becomes BuildKit's `type==X` (moby builder-next toBuildkitPruneInfo, buildx
        // v0.24.0 commands/prune.go toBuildkitPruneInfo): the record type, exactly.
        const t = /^type=(.+)$/.exec(f);
        if (t) {
            type = t[1];
            continue;
        }
        const m = /^until=(.*)$/.exec(f);
        if (!m || (until = parseAge(m[1])) === undefined) {
            process.stderr.write(`invalid filter '${f}'\n`);
            done("error", 1);
        }
    }
    const bound = o["max-used-space"] ?? o["reserved-space"] ?? o["keep-storage"];
    const deleted = [];
    if (bound === undefined) {
        for (const it of items) {
            if (removable(it) && (until === undefined || now - it.lastUsed >= until))
                deleted.push(it);
        }
    } else {
        const limit = parseSize(bound);
        let total = items.reduce((s, it) => s + it.size, 0);
        const oldestFirst = [...items].sort((a, b) => a.lastUsed - b.lastUsed);
        for (const it of oldestFirst) {
            if (total <= limit) break;
            if (!removable(it)) continue;
            if (until !== undefined && now - it.lastUsed < until) continue;
            deleted.push(it);
            total -= it.size;
        }
    }
    items = items.filter((it) => !deleted.includes(it));
    for (const d of deleted) fs.rmSync(r("var/lib/docker/buildkit-double", d.id), { force: true });
    save(items);
    const reclaimed = deleted.reduce((s, it) => s + it.size, 0);
    if (legacy) {
        if (deleted.length) {
            process.stdout.write(
                "Deleted build cache objects:\n" + deleted.map((d) => d.id).join("\n") + "\n\n",
            );
        }
        process.stdout.write(`Total reclaimed space: ${human(reclaimed)}\n`);
    } else {
        if (deleted.length) {
            process.stdout.write("ID\tRECLAIMABLE\tSIZE\tLAST ACCESSED\n");
            for (const d of deleted) process.stdout.write(`${d.id}\ttrue\t${human(d.size)}\t\n`);
        }
        process.stdout.write(`Total:\t${human(reclaimed)}\n`);
    }
    done("prune", 0);
}

/** The cache entries with their total and reclaimable (not in use) bytes. */
function usage() {
    needDaemon();
    const items = load();
    const total = items.reduce((s, it) => s + it.size, 0);
    const recl = items.filter((it) => !it.inUse).reduce((s, it) => s + it.size, 0);
    return { items, total, recl };
}

function du() {
    const { items, total, recl } = usage();
    if (items.length) {
        process.stdout.write("ID\tRECLAIMABLE\tSIZE\tLAST ACCESSED\n");
        for (const it of items)
            process.stdout.write(`${it.id}\t${!it.inUse}\t${human(it.size)}\t\n`);
    }
    process.stdout.write(`Reclaimable:\t${human(recl)}\nTotal:\t${human(total)}\n`);
    done("read", 0);
}

/**
 * `system df -v --format '{{json .BuildCache}}'`: the records as the CLI's formatter prints them
 * (every field a string), as seen from the 28.2.2 and 20.10.24 CLIs against dockerd 20.10.24:
 * `{"CacheType":"exec.cachemount","CreatedAt":…,"Description":"cached mount /root/.cache/pip from
 * exec /bin/sh -c …","ID":"cli5pvupd0npx4jxfdtgcchxh","InUse":"false",…,"Size":"0B",…}`. An entry's
 * optional `type` and `description` give CacheType and Description (default regular, "").
 */
function buildCacheRecords(items) {
    return items.map((it) => ({
        CacheType: it.type || "regular",
        Description: it.description || "",
        ID: it.id,
        InUse: String(Boolean(it.inUse)),
        Shared: "false",
        Size: human(it.size),
        UsageCount: "1",
    }));
}

function systemDf() {
    const { items, total, recl } = usage();
    const fmtArg = args[args.indexOf("--format") + 1] || "";
    if ((args.includes("-v") || args.includes("--verbose")) && fmtArg === "{{json .BuildCache}}") {
        process.stdout.write(JSON.stringify(buildCacheRecords(items)) + "\n");
        done("read", 0);
    }
    const rows = [
        { Active: "0", Reclaimable: "0B", Size: "0B", TotalCount: "0", Type: "Images" },
        { Active: "0", Reclaimable: "0B", Size: "0B", TotalCount: "0", Type: "Containers" },
        { Active: "0", Reclaimable: "0B", Size: "0B", TotalCount: "0", Type: "Local Volumes" },
        {
            Active: String(items.filter((i) => i.inUse).length),
            Reclaimable: human(recl),
            Size: human(total),
            TotalCount: String(items.length),
            Type: "Build Cache",
        },
    ];
    const fmt = args.indexOf("--format");
    if (fmt >= 0 && /json/.test(args[fmt + 1] || "")) {
        for (const row of rows) process.stdout.write(JSON.stringify(row) + "\n");
    } else {
        process.stdout.write("TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE\n");
        for (const row of rows)
            process.stdout.write(
                `${row.Type.padEnd(16)}${row.TotalCount.padEnd(10)}${row.Active.padEnd(10)}${row.Size.padEnd(10)}${row.Reclaimable}\n`,
            );
    }
    done("read", 0);
}

/**
 * The volume subset Dokku's caches need (docker CLI reference for `volume ls`, `volume inspect`,
 * `volume rm`, Docker 28): volumes are $ROOT/var/lib/docker/volumes/<name>/_data, as the local
 * driver lays them out. `ls --format '{{.Name}}'`; `inspect --format '{{.Name}} {{.Mountpoint}}'
 * NAME...` prints the found ones and fails (exit 1) naming a missing one; `rm [-f] NAME...`
 * removes (with -f a missing volume is no error). Logged as kind "volume-rm" for removals.
 */
function volume(sub, rest) {
    needDaemon();
    const dir = r("var/lib/docker/volumes");
    const names = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
    const ops = rest.filter((a, i) => !a.startsWith("-") && rest[i - 1] !== "--format");
    if (sub === "ls") {
        for (const n of names) process.stdout.write(`${n}\n`);
        done("read", 0);
    }
    if (sub === "inspect") {
        let code = 0;
        for (const n of ops) {
            if (!names.includes(n)) {
                process.stderr.write(`Error response from daemon: get ${n}: no such volume\n`);
                code = 1;
                continue;
            }
            process.stdout.write(`${n} ${path.join(dir, n, "_data")}\n`);
        }
        done("read", code);
    }
    const force = rest.includes("-f") || rest.includes("--force");
    let code = 0;
    for (const n of ops) {
        if (!names.includes(n)) {
            if (!force) {
                process.stderr.write(`Error response from daemon: get ${n}: no such volume\n`);
                code = 1;
            }
            continue;
        }
        fs.rmSync(path.join(dir, n), { recursive: true, force: true });
        process.stdout.write(`${n}\n`);
    }
    done("volume-rm", code);
}

const [a0, a1] = args;
if (a0 === "version") {
    if (!DAEMON_UP) {
        process.stderr.write(
            "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.\n",
        );
        done("error", 1);
    }
    if (args.includes("--format")) process.stdout.write(`${ENGINE}\n`);
    else
        process.stdout.write(
            `Client: Docker Engine - Community\n Version: ${ENGINE}\n\nServer: Docker Engine - Community\n Engine:\n  Version: ${ENGINE}\n`,
        );
    done("read", 0);
} else if (a0 === "info") {
    needDaemon();
    const dir = r("var/lib/docker");
    fs.mkdirSync(dir, { recursive: true });
    process.stdout.write(`${dir}\n`);
    done("read", 0);
} else if (a0 === "buildx" && !hasBuildx) {
    process.stderr.write(
        "docker: unknown command: docker buildx\n\nRun 'docker --help' for more information\n",
    );
    done("error", 1);
} else if (a0 === "buildx" && a1 === "version") {
    process.stdout.write(`github.com/docker/buildx v${BUILDX} 1d8dde89\n`);
    done("read", 0);
} else if ((a0 === "buildx" || a0 === "builder") && a1 === "prune") {
    const legacy = a0 === "builder" && (!hasBuildx || process.env.DOCKER_BUILDKIT === "0");
    if (legacy)
        process.stderr.write(
            "DEPRECATED: The legacy builder is deprecated and will be removed in a future release.\n",
        );
    prune(legacy);
} else if ((a0 === "buildx" || a0 === "builder") && a1 === "du") {
    if (!hasBuildx) {
        process.stderr.write("docker: unknown command: docker builder du\n");
        done("error", 1);
    }
    du();
} else if (a0 === "system" && a1 === "df") {
    systemDf();
} else if (a0 === "volume" && ["ls", "inspect", "rm"].includes(a1)) {
    volume(a1, args.slice(2));
} else {
    process.stderr.write(`docker double: command not allowed in tests: docker ${args.join(" ")}\n`);
    done("forbidden", 99);
}
