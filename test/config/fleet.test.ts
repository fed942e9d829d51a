import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { RawSettings, validateFleet } from "../../config";
import { HOST_KEY } from "../fixtures/settings";

const KEY =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
const OTHER_KEY = KEY.replace("AAAAA", "BBBBB");

const conn = (port: number) => ({ host: "127.0.0.1", port, hostKey: HOST_KEY });

function fleetProblems(raw: RawSettings): string[] {
    try {
        validateFleet(raw);
    } catch (e) {
        expect(pulumi.InputPropertiesError.isInstance(e), String(e)).to.equal(true);
        return (e as pulumi.InputPropertiesError).errors.map(
            (p) => `${p.propertyPath}: ${p.reason}`,
        );
    }
    throw new Error("expected validation to fail");
}

describe("validateFleet (the hosts form)", () => {
    it("the single-host form is one host named dokku", () => {
        const f = validateFleet({ connection: conn(22), apps: ["api"], privateKey: KEY });
        expect(f.form).to.equal("single");
        expect(f.hosts.map((h) => h.name)).to.deep.equal(["dokku"]);
        expect(f.hosts[0].index).to.equal(undefined);
    });

    it("top-level settings are defaults; a host's own value replaces them; own or shared key", () => {
        const f = validateFleet({
            privateKey: KEY,
            apps: ["api"],
            afterChange: "none",
            maxParallelRestarts: 3,
            caches: { pip: true, npm: true },
            hosts: [
                { name: "a", connection: conn(22) },
                {
                    name: "b",
                    connection: conn(23),
                    privateKey: OTHER_KEY,
                    apps: ["web", { name: "api", caches: ["pip"] }],
                    maxParallelRestarts: 1,
                    buildCache: false,
                },
            ],
        });
        expect(f.form).to.equal("hosts");
        const [a, b] = f.hosts;
        expect([a.name, a.index, b.name, b.index]).to.deep.equal(["a", 0, "b", 1]);
        expect(a.privateKey).to.equal(KEY);
        expect(b.privateKey).to.equal(OTHER_KEY);
        expect(a.settings.apps.map((x) => x.name)).to.deep.equal(["api"]);
        expect(b.settings.apps.map((x) => [x.name, x.caches])).to.deep.equal([
            ["web", ["pip", "npm"]],
            ["api", ["pip"]],
        ]);
        expect([a.settings.afterChange, b.settings.afterChange]).to.deep.equal(["none", "none"]);
        expect([a.settings.maxParallelRestarts, b.settings.maxParallelRestarts]).to.deep.equal([
            3, 1,
        ]);
        expect(a.settings.buildCache).to.not.equal(undefined);
        expect(b.settings.buildCache).to.equal(undefined);
        expect(b.settings.connection.port).to.equal(23);
    });

    it("names a host's own bad key as hosts[i].key, a bad default once at the top level", () => {
        const p = fleetProblems({
            privateKey: KEY,
            afterChange: "sometimes",
            hosts: [
                { name: "a", connection: conn(22), apps: ["ok", "Bad_Name"] },
                { name: "b", connection: conn(23), maxParallelRestarts: 0 },
            ],
        });
        expect(p.some((x) => x.startsWith("dokku-shared-cache:hosts[0].apps[1]"))).to.equal(
            true,
            p.join("\n"),
        );
        expect(
            p.filter((x) => x.startsWith("dokku-shared-cache:hosts[1].maxParallelRestarts")),
        ).to.have.length(1);
        expect(p.filter((x) => x.startsWith("dokku-shared-cache:afterChange:"))).to.have.length(1);
        expect(p.join("\n")).to.contain('"sometimes"');
    });

    it("rejects unknown host keys (with the near miss), bad and duplicate names, a shared connection", () => {
        const p = fleetProblems({
            privateKey: KEY,
            connection: conn(22),
            hosts: [
                { name: "a", connection: conn(22), buildcache: false },
                { name: "a", connection: conn(23) },
                { name: "Web_1", connection: conn(24) },
                { name: "c" },
                "d",
            ],
        }).join("\n");
        expect(p).to.contain("dokku-shared-cache:connection: is per host");
        expect(p).to.match(/hosts\[0\]\.buildcache: .*buildCache/);
        expect(p).to.contain('dokku-shared-cache:hosts[1].name: host "a" is listed twice');
        expect(p).to.match(/hosts\[2\]\.name: must be a host name.*got "Web_1"/);
        expect(p).to.contain("dokku-shared-cache:hosts[3].connection: is required");
        expect(p).to.match(/hosts\[4\]: must be an object.*got "d"/);
    });

    it("needs a key per host (own or shared) and one state dir per server", () => {
        const p = fleetProblems({
            hosts: [
                { name: "a", connection: conn(22), privateKey: KEY },
                { name: "b", connection: conn(22), privateKey: KEY },
                { name: "c", connection: conn(25) },
            ],
        }).join("\n");
        expect(p).to.match(
            /hosts\[1\]\.connection: host "b" is the same server and stateDir as "a"/,
        );
        expect(p).to.match(/hosts\[2\]\.privateKey: no SSH key for this host/);
        expect(
            validateFleet({
                hosts: [
                    { name: "a", connection: conn(22), privateKey: KEY },
                    {
                        name: "b",
                        connection: conn(22),
                        privateKey: KEY,
                        stateDir: "/var/lib/dsc-b",
                    },
                ],
            }).hosts,
        ).to.have.length(2);
    });

    it("an empty or non-list hosts is refused", () => {
        expect(fleetProblems({ privateKey: KEY, hosts: [] }).join()).to.match(
            /^dokku-shared-cache:hosts: must be a list/,
        );
        expect(fleetProblems({ privateKey: KEY, hosts: { a: 1 } }).join()).to.match(
            /hosts: must be a list/,
        );
    });
    it("a misspelt hosts key (host, hostz, Hosts, hots) is refused naming it and suggesting hosts, alone", () => {
        const list = [{ name: "a", connection: conn(22) }];
        for (const k of ["host", "hostz", "Hosts", "hots"]) {
            const errs = fleetProblems({ privateKey: KEY, apps: ["api"], [k]: list });
            // one problem: no "connection is required" (the single-host form was not meant)
            expect(errs, k).to.have.length(1);
            expect(errs[0], k)
                .to.match(
                    new RegExp(
                        `^dokku-shared-cache:${k}: unknown setting "${k}"; did you mean hosts\\? `,
                    ),
                )
                .and.contain("allowed: connection,")
                .and.contain("privateKey, hosts");
            // a list: no hint about connection.host
            expect(errs[0], k).to.not.contain("a single host's address");
        }
        const addr = fleetProblems({ privateKey: KEY, host: "web1.example.com" });
        expect(addr).to.have.length(1);
        expect(addr[0])
            .to.contain("did you mean hosts?")
            .and.contain("a single host's address is connection.host");
    });

    it("other top-level keys keep their own near miss; hostPaths is not taken for hosts", () => {
        const errs = fleetProblems({ connection: conn(22), privateKey: KEY, hostPath: {} });
        expect(errs).to.have.length(1);
        expect(errs[0]).to.contain('unknown setting "hostPath"; did you mean hostPaths?');
        const ok = validateFleet({ connection: conn(22), privateKey: KEY, hostPaths: {} });
        expect(ok.form).to.equal("single");
    });
});
