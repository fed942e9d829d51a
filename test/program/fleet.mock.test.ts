/**
 * The `hosts` form under Pulumi's mocks (issue 14): every host's resources
 * under its own root component, named and URN'd from the host's name; the
 * first host aliased to the single-host root `dokku` (unless a host has that
 * name); each host's own settings applied to its resources only.
 */
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { Recorded, byRoot, installMocks, recorded, unwrap } from "../../cli/plan-mocks";
import { HOST_KEY } from "../fixtures/settings";
import type { RawSettings } from "../../config";

installMocks();

const KEY =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAsecretbytesNOTREAL\n-----END OPENSSH PRIVATE KEY-----\n";
const ROOT = "dokku-shared-cache:index:DokkuSharedCache";
const conn = (host: string, port = 22) => ({ host, port, hostKey: HOST_KEY });
const urn = (types: string[], name: string) =>
    `urn:pulumi:test::dokku-shared-cache::${types.join("$")}::${name}`;

type Program = typeof import("../../program");
let program: Program;

async function run(raw: RawSettings) {
    recorded.splice(0);
    const out = await program.runStack({
        raw: { detectDrift: false, ...raw },
        privateKey: pulumi.secret(KEY),
        probe: () => Promise.reject(new Error("probe not expected")),
    });
    await new Promise((r) => setTimeout(r, 50));
    return out as Awaited<ReturnType<Program["runStack"]>> & {
        hosts: Record<string, { summary: pulumi.Output<string> }>;
        summary: pulumi.Output<string>;
    };
}

const named = (list: Recorded[], name: string) => {
    const r = list.find((x) => x.name === name);
    if (!r) throw new Error(`no resource ${name} in ${list.map((x) => x.name).join(", ")}`);
    return r;
};
const stdinOf = (r: Recorded) => String(r.inputs.stdin);
/** A command's connection (a secret in the inputs: it holds the private key). */
const connectionOf = (r: Recorded) => {
    const c = r.inputs.connection as { value?: { host: string }; host?: string };
    return (c.value ?? c) as { host: string };
};
/** A mount in the script's desired state (on 0.38 an entry name "e" follows). */
const mount = (h: string, c: string) => `{"h":"${h}","c":"${c}","ro":false`;

describe("the hosts form (mocks)", () => {
    before(async () => {
        program = await import("../../program");
    });

    it("declares each host under its own root: names and URNs from the host's name", async () => {
        const out = await run({
            caches: { pip: true, npm: true },
            apps: ["api"],
            hosts: [
                { name: "alpha", connection: conn("10.0.0.1") },
                { name: "beta", connection: conn("10.0.0.2", 2222), apps: ["web"] },
            ],
        });
        const groups = byRoot(recorded, ROOT);
        expect([...groups.keys()].sort()).to.deep.equal(["alpha", "beta"]);
        const names = (h: string) =>
            groups
                .get(h)!
                .map((r) => `${r.type} ${r.name}`)
                .sort();
        for (const [h, app] of [
            ["alpha", "api"],
            ["beta", "web"],
        ]) {
            expect(names(h)).to.deep.equal(
                [
                    `${ROOT} ${h}`,
                    `dokku-shared-cache:index:SharedCaches ${h}-caches`,
                    `command:remote:Command ${h}-caches-pip`,
                    `command:remote:Command ${h}-caches-npm`,
                    `dokku-shared-cache:index:AppCaches ${h}-app-${app}`,
                    `command:remote:Command ${h}-app-${app}-converge`,
                    `dokku-shared-cache:index:BuildCache ${h}-build-cache`,
                    `command:remote:Command ${h}-build-cache-schedule`,
                    `dokku-shared-cache:index:FirstAid ${h}-first-aid`,
                    `command:remote:Command ${h}-first-aid-run`,
                ].sort(),
            );
            // The mock monitor's URN: the parent's type, the type, the name.
            const converge = named(groups.get(h)!, `${h}-app-${app}-converge`);
            expect(converge.urn).to.equal(
                urn(
                    ["dokku-shared-cache:index:AppCaches", "command:remote:Command"],
                    `${h}-app-${app}-converge`,
                ),
            );
            expect(converge.parent).to.equal(
                urn([ROOT, "dokku-shared-cache:index:AppCaches"], `${h}-app-${app}`),
            );
            expect(named(groups.get(h)!, h).urn).to.equal(urn([ROOT], h));
        }
        // Each host's commands connect to that host only.
        for (const h of ["alpha", "beta"]) {
            const hosts = groups
                .get(h)!
                .filter((r) => r.type === "command:remote:Command")
                .map((r) => connectionOf(r).host);
            expect(new Set(hosts), h).to.deep.equal(
                new Set([h === "alpha" ? "10.0.0.1" : "10.0.0.2"]),
            );
        }
        expect(Object.keys(out.hosts)).to.deep.equal(["alpha", "beta"]);
        const summary = await unwrap(out.summary);
        expect(summary)
            .to.match(/^\[alpha\]\n/)
            .and.contain("\n[beta]\n");
        expect(summary.trimEnd().split("\n").pop()).to.equal("fleet: 2 host(s)");
    });

    it("aliases hosts[0]'s root (only) to the single-host root dokku", async () => {
        await run({
            apps: ["api"],
            hosts: [
                { name: "web1", connection: conn("10.0.0.1") },
                { name: "web2", connection: conn("10.0.0.2") },
            ],
        });
        const aliased = recorded.filter((r) => r.aliases.length > 0);
        expect(aliased.map((r) => [r.type, r.name])).to.deep.equal([[ROOT, "web1"]]);
        expect(JSON.parse(JSON.stringify(aliased[0].aliases))).to.deep.equal([
            { spec: { name: "dokku", type: "", stack: "", project: "" } },
        ]);
        // The children's names start with the root's, so the alias reaches them
        // (test/e2e/fleet-upgrade.test.ts: 0 replaces, 0 deletes with the real engine).
        for (const r of byRoot(recorded, ROOT).get("web1")!) {
            expect(r.name === "web1" || r.name.startsWith("web1-"), r.name).to.equal(true);
        }
    });

    it("no alias when a host is itself named dokku (its URNs are the single-host ones)", async () => {
        await run({
            apps: ["api"],
            hosts: [
                { name: "web1", connection: conn("10.0.0.1") },
                { name: "dokku", connection: conn("10.0.0.2") },
            ],
        });
        expect(recorded.filter((r) => r.aliases.length > 0)).to.deep.equal([]);
        expect(named(recorded, "dokku-app-api-converge").urn).to.equal(
            urn(
                ["dokku-shared-cache:index:AppCaches", "command:remote:Command"],
                "dokku-app-api-converge",
            ),
        );
    });

    it("applies a host's own settings to its resources only; the others take the defaults", async () => {
        await run({
            caches: { pip: true, npm: true },
            apps: ["api"],
            afterChange: "rebuild",
            maxParallelRestarts: 3,
            hosts: [
                { name: "alpha", connection: conn("10.0.0.1") },
                {
                    name: "beta",
                    connection: conn("10.0.0.2"),
                    apps: ["web", { name: "worker", caches: ["npm"] }],
                    caches: { npm: true },
                    afterChange: "none",
                    maxParallelRestarts: 1,
                    buildCache: false,
                    sharedRoot: "/srv/caches",
                },
            ],
        });
        const groups = byRoot(recorded, ROOT);
        const alpha = groups.get("alpha")!;
        const beta = groups.get("beta")!;
        const names = (l: Recorded[]) => l.map((r) => r.name).sort();
        expect(names(beta)).to.deep.equal(
            [
                "beta",
                "beta-caches",
                "beta-caches-npm",
                "beta-app-web",
                "beta-app-web-converge",
                "beta-app-worker",
                "beta-app-worker-converge",
                "beta-first-aid",
                "beta-first-aid-run",
            ].sort(),
        );
        expect(names(alpha)).to.include.members(["alpha-caches-pip", "alpha-build-cache"]);
        const script = (l: Recorded[], n: string) => stdinOf(named(l, n));
        expect(script(beta, "beta-app-web-converge"))
            .to.contain("AFTER='none'")
            .and.contain("SLOTS='1'")
            .and.contain(mount("/srv/caches/npm", "/root/.cache/npm"));
        expect(script(beta, "beta-app-web-converge")).to.not.contain("/root/.cache/pip");
        expect(script(alpha, "alpha-app-api-converge"))
            .to.contain("AFTER='rebuild'")
            .and.contain("SLOTS='3'")
            .and.contain(mount("/var/lib/dokku/data/shared/pip", "/root/.cache/pip"));
        expect(script(beta, "beta-caches-npm")).to.contain("/srv/caches/npm");
    });
});
