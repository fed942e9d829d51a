import { expect } from "chai";
import { validateSettings } from "../../config";
import { buildDesiredState } from "../../model/desired-state";
import { HostFacts, parseReportOutput } from "../../host/facts";
import { buildReport } from "../../report/host-report";
import { humanBytes } from "../../report/bytes";
import { formatReport, gcText } from "../../report/format";
import { validRaw } from "../fixtures/settings";

const R = "/var/lib/dokku/data/shared";

function facts(over: Partial<HostFacts> = {}): HostFacts {
    const caches: HostFacts["caches"] = {};
    for (const c of ["pip", "uv", "npm", "ms-playwright", "rust"]) {
        caches[c] = { path: `${R}/${c}`, exists: true, bytes: 4096, owner: "0:0", mode: "755" };
    }
    return {
        caches,
        docker: {
            engine: "28.2.2",
            buildx: "github.com/docker/buildx v0.23.0 1d8dde89",
            rootDir: "/var/lib/docker",
            df: [
                { Type: "Images", Size: "16.43MB", Reclaimable: "11.63MB (70%)", TotalCount: "5" },
                { Type: "Build Cache", Size: "12.5GB", Reclaimable: "10.1GB", TotalCount: "40" },
            ],
        },
        disk: [
            {
                mount: "/",
                sizeBytes: 100e9,
                availBytes: 5e9,
                labels: ["docker", "dokku"],
                paths: ["/var/lib/docker", "/var/lib/dokku"],
            },
            {
                mount: "/srv",
                sizeBytes: 50e9,
                availBytes: 0.5e9,
                labels: ["shared", "state"],
                paths: ["/var/lib/dokku/data/shared", "/var/lib/dokku-shared-cache"],
            },
        ],
        scheduler: "systemd",
        daemonGc: null,
        ...over,
    };
}

const desired = () =>
    buildDesiredState(
        validateSettings(
            validRaw({ apps: [{ name: "api", caches: ["pip"], builder: "dockerfile" }] }),
        ),
    );
const synced = {
    apps: ["api", "other"],
    state: {
        api: {
            exists: true,
            mounts: [{ host_path: `${R}/pip`, container_path: "/root/.cache/pip" }],
            env: { PIP_CACHE_DIR: "/root/.cache/pip", SECRET_KEY: "x" },
        },
    },
};

describe("host report", () => {
    it("parses the two JSON lines the report script prints", () => {
        const out = `${JSON.stringify(synced)}\n${JSON.stringify(facts())}\n`;
        const p = parseReportOutput(out);
        expect(p.observed.apps).to.deep.equal(["api", "other"]);
        expect(p.facts.docker.engine).to.equal("28.2.2");
        expect(() => parseReportOutput("garbage")).to.throw(/unexpected report output/);
    });

    it("is in sync when mounts, env, caches and schedule match; lists unmanaged apps", () => {
        const r = buildReport(desired(), synced, facts(), "root@h:22");
        expect(r.problems).to.deep.equal([]);
        expect(r.inSync).to.equal(true);
        expect(r.unmanagedApps).to.deep.equal(["other"]);
        expect(r.buildCache).to.include({
            sizeBytes: 12.5e9,
            reclaimableBytes: 10.1e9,
            variant: "buildx-max",
        });
        // other env vars of the app are not ours and not reported
        expect(r.apps[0].env).to.deep.equal([
            { key: "PIP_CACHE_DIR", want: "/root/.cache/pip", actual: "/root/.cache/pip" },
        ]);
    });

    it("names every kind of drift", () => {
        const f = facts({ scheduler: "none" });
        f.caches.uv = { path: `${R}/uv`, exists: false };
        f.caches.npm = { ...f.caches.npm, owner: "1000:1000" };
        const obs = {
            apps: ["api"],
            state: { api: { exists: true, mounts: [], env: { PIP_CACHE_DIR: "/tmp" } } },
        };
        const d = desired();
        d.buildCache = {
            ...d.buildCache!,
            gc: { unusedFor: "1h", reservedSpace: "1GB", maxUsedSpace: "2GB", minFreeSpace: "1GB" },
        };
        const r = buildReport(d, obs, f, "h");
        expect(r.inSync).to.equal(false);
        expect(r.problems).to.deep.equal([
            "app api: mount /root/.cache/pip missing; env PIP_CACHE_DIR differs",
            `cache uv: ${R}/uv missing`,
            "cache npm: owner/mode 1000:1000 755, want 0:0 755",
            "build cache: no prune schedule installed (want daily)",
            "build cache: daemon.json has no builder.gc (want one)",
        ]);
        const missingApp = buildReport(d, { apps: [], state: {} }, facts(), "h");
        expect(missingApp.problems[0]).to.equal("app api: app missing on host");
    });

    it("flags env values Dokku's next config write would corrupt, without printing them", () => {
        const obs = {
            apps: ["api"],
            state: {
                api: {
                    ...synced.state.api,
                    env: {
                        ...synced.state.api.env,
                        GREETING: 'say "hi\\',
                        PORT: "007",
                        NOTE: "a#'#b#c",
                        Q: 'x"',
                    },
                },
            },
        };
        const r = buildReport(desired(), obs, facts(), "h");
        expect(r.inSync).to.equal(false);
        const fix = (k: string) =>
            `; fix it on the host (dokku config:set api ${k}=... or dokku config:unset api ${k}) before the next pulumi up`;
        const head = (k: string) =>
            `app api: env ${k}: Dokku rewrites the app's ENV file on every config write and would not keep it: `;
        expect(r.problems).to.deep.equal([
            head("GREETING") +
                "its value ends with a backslash, which makes the app's ENV file unreadable once written (every config command of the app then fails) on Dokku 0.37.8 and later (godotenv v1.5.1)" +
                fix("GREETING"),
            head("NOTE") +
                'its value has a "#" that is taken as the start of a comment, which cuts the value on Dokku 0.36.0–0.37.7 (godotenv v1.2.0)' +
                fix("NOTE"),
            head("PORT") +
                "its value is rewritten as the integer 7 on Dokku 0.37.8 and later (godotenv v1.5.1)" +
                fix("PORT"),
            head("Q") +
                "its value ends with a double quote, which is read back as a backslash and then breaks the app's ENV file at the write after on Dokku 0.37.8 and later (godotenv v1.5.1)" +
                fix("Q"),
        ]);
        expect(r.problems.join("\n")).not.to.match(/say|#'#|007/);
    });

    it("formats a table with the honest build note and free disk", () => {
        const text = formatReport(buildReport(desired(), synced, facts(), "root@h:22"));
        expect(text).to.match(/^dokku-shared-cache report for root@h:22: IN SYNC$/m);
        expect(text).to.match(/^api\s+1\/1\s+1\/1\s+dockerfile\s+run time only\s+ok$/m);
        expect(text).to.contain("never an image build");
        expect(text).to.contain("Docker build cache: 12.50 GB (reclaimable 10.10 GB)");
        expect(text).to.contain(
            "Disk /: 5.00 GB free of 100.00 GB (95% used) for Docker /var/lib/docker, Dokku /var/lib/dokku\n",
        );
        // Below disk.minFree (default 1GB): a warning, not drift.
        expect(text).to.contain(
            "Disk /srv: 500.00 MB free of 50.00 GB (99% used) for the shared caches /var/lib/dokku/data/shared, the state dir /var/lib/dokku-shared-cache  LOW: below disk.minFree 1.00 GB",
        );
        expect(text).to.match(
            /^Warnings:\n  - disk: \/srv \(shared, state\) has 500\.00 MB free, below disk\.minFree \(1GB\)/m,
        );
        expect(text).to.match(/IN SYNC/);
        expect(text).to.contain("not managed by this stack: other");
    });

    it("says what the engine does without a builder GC, per the contract", () => {
        expect(gcText(null, "28.1.1")).to.contain("NO automatic build-cache GC");
        expect(gcText(null, "27.5.1")).to.contain("NO automatic");
        expect(gcText(null, "28.2.0")).to.contain("default GC runs");
        expect(gcText(null, "29.7.2")).to.contain("default GC runs");
        expect(gcText(null, "")).to.equal("none");
        expect(
            gcText({ enabled: true, defaultKeepStorage: "20GB", policy: [{}, {}] }, "27.5.1"),
        ).to.equal("enabled=true defaultKeepStorage=20GB + 2 policies");
        expect(humanBytes(999)).to.equal("999 B");
        expect(humanBytes(1234567)).to.equal("1.23 MB");
        expect(humanBytes(null)).to.equal("?");
    });
});
