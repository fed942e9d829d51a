import { expect } from "chai";
import { spawnSync } from "child_process";
import { DAEMON_MERGE_JQ, gcPolicy, scheduleTimes } from "../../host/build-cache";
import { validateSettings } from "../../config";
import { buildDesiredState } from "../../model/desired-state";
import { validRaw } from "../fixtures/settings";

const GC = { unusedFor: "720h", reservedSpace: "10GB", maxUsedSpace: "40GB", minFreeSpace: "20GB" };

function jq(filter: string, input: string, gc: unknown): { code: number; out: string } {
    const r = spawnSync("jq", ["-S", "-c", "--argjson", "gc", JSON.stringify(gc), filter], {
        input,
        encoding: "utf8",
    });
    return { code: r.status ?? -1, out: r.stdout.trim() };
}

describe("build cache: schedules", () => {
    it("maps schedules to systemd OnCalendar and cron", () => {
        expect(scheduleTimes("daily")).to.deep.equal({
            onCalendar: "*-*-* 03:17:00",
            cron: "17 3 * * *",
        });
        expect(scheduleTimes("hourly").cron).to.equal("17 * * * *");
        expect(scheduleTimes("weekly").cron).to.equal("17 3 * * 0");
    });
});
describe("build cache: daemon.json builder GC", () => {
    it("uses reserved/max/min keys from Engine 28 and keepStorage before", () => {
        const g28 = gcPolicy(GC, 28);
        expect(g28).to.include({
            enabled: true,
            defaultReservedSpace: "10000000000",
            defaultMaxUsedSpace: "40000000000",
            defaultMinFreeSpace: "20000000000",
        });
        expect(JSON.stringify(g28)).not.to.contain("keepStorage");
        const g27 = gcPolicy(GC, 27);
        expect(g27).to.include({ enabled: true, defaultKeepStorage: "40000000000" });
        expect(JSON.stringify(g27)).not.to.match(/MaxUsed|maxUsed|Reserved|reserved/);
        expect(gcPolicy(GC, undefined)).to.deep.equal(g27);
        // enabled is always explicit: before 28.2 an absent `enabled` means no GC at all.
        for (const g of [g27, g28]) expect(g.enabled).to.equal(true);
        expect((g28.policy as { filter?: string[] }[])[0].filter).to.deep.equal([
            "unused-for=720h",
        ]);
    });

    it("merges keeping every other key (run through jq)", () => {
        const gc = gcPolicy(GC, 28);
        const input = JSON.stringify({
            "log-driver": "local",
            "registry-mirrors": ["https://m.example"],
            builder: { entitlements: { "network-host": true }, gc: { enabled: false } },
        });
        const r = jq(DAEMON_MERGE_JQ, input, gc);
        expect(r.code).to.equal(0);
        const out = JSON.parse(r.out) as Record<string, unknown>;
        expect(out["log-driver"]).to.equal("local");
        expect(out["registry-mirrors"]).to.deep.equal(["https://m.example"]);
        expect(out.builder).to.deep.equal({ entitlements: { "network-host": true }, gc });
        expect(JSON.parse(jq(DAEMON_MERGE_JQ, "{}", gc).out)).to.deep.equal({ builder: { gc } });
    });

    it("refuses a daemon.json that is not an object or has a non-object builder", () => {
        for (const bad of ["[]", '"x"', "1", '{"builder": []}', '{"builder": "x"}']) {
            expect(jq(DAEMON_MERGE_JQ, bad, {}).code, bad).to.not.equal(0);
        }
    });
});

describe("build cache: config and model", () => {
    it("is on by default (daily, 168h, 20GB), off with false, and fills gc defaults", () => {
        expect(validateSettings(validRaw()).buildCache).to.deep.equal({
            schedule: "daily",
            olderThan: "168h",
            maxSize: "20GB",
        });
        expect(validateSettings(validRaw({ buildCache: false })).buildCache).to.equal(undefined);
        const s = validateSettings(
            validRaw({
                buildCache: { schedule: "weekly", pruneNow: true, gc: { maxUsedSpace: "80GB" } },
            }),
        );
        expect(s.buildCache).to.deep.equal({
            schedule: "weekly",
            olderThan: "168h",
            maxSize: "20GB",
            pruneNow: "once",
            gc: { ...GC, maxUsedSpace: "80GB" },
        });
        expect(
            validateSettings(validRaw({ buildCache: { pruneNow: "2026-11-25" } })).buildCache
                ?.pruneNow,
        ).to.equal("2026-11-25");
    });

    it("gives each cache group its own directories and mounts", () => {
        const s = validateSettings(
            validRaw({
                apps: [
                    { name: "a", caches: ["pip", "npm"], group: "team-a" },
                    { name: "b", caches: ["pip"], group: "team-a" },
                    { name: "c", caches: ["pip"], group: "untrusted" },
                    { name: "d", caches: ["pip"] },
                ],
            }),
        );
        const d = buildDesiredState(s);
        const root = "/var/lib/dokku/data/shared";
        expect(d.dirs.map((x) => `${x.name} ${x.hostPath}`)).to.include.members([
            `pip ${root}/pip`,
            `npm@team-a ${root}/groups/team-a/npm`,
            `pip@team-a ${root}/groups/team-a/pip`,
            `pip@untrusted ${root}/groups/untrusted/pip`,
        ]);
        expect(d.dirs.filter((x) => x.name.includes("@"))).to.have.length(3);
        const host = (n: string) => d.apps.find((a) => a.name === n)!.mounts[0].hostPath;
        expect(host("a")).to.equal(`${root}/groups/team-a/npm`);
        expect(host("b")).to.equal(`${root}/groups/team-a/pip`);
        expect(host("c")).to.equal(`${root}/groups/untrusted/pip`);
        expect(host("d")).to.equal(`${root}/pip`);
        // Same container path and env whatever the group.
        expect(d.apps.find((a) => a.name === "c")!.env).to.deep.equal({
            PIP_CACHE_DIR: "/root/.cache/pip",
        });
    });
});
