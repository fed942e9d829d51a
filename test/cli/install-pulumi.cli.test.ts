/**
 * scripts/install-pulumi.sh on an operator's laptop: Pulumi installed the usual
 * way, a fresh PULUMI_HOME, no Go. The "installation" is the real CLI and
 * language host this project builds (v3.259.0), hard-linked into a folder of
 * their own (so the CLI finds nothing of the build beside it); Pulumi's
 * download site is a local HTTP server holding the tarball Pulumi would fetch
 * (`pulumi-resource-command-v1.2.1-<os>-<arch>.tar.gz`, made of the built
 * provider), reached through Pulumi's own PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES
 * (pulumi v3.259.0 sdk/go/common/workspace/plugins.go: GetSource applies an
 * override matching the default source's URL `github://api.github.com/pulumi/…`;
 * an http(s) source fetches `<url>/pulumi-<kind>-<name>-v<version>-<os>-<arch>.tar.gz`;
 * there is no file:// source). Then each failure names both ways with their
 * exact commands, and `npm run preview:example` runs on such a Pulumi, without Go.
 */
import { expect } from "chai";
import { execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";

const REPO = path.resolve(__dirname, "../..");
const SCRIPT = path.join(REPO, "scripts/install-pulumi.sh");
const ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64" };
const TARBALL = `pulumi-resource-command-v1.2.1-${process.platform}-${ARCH[process.arch]}.tar.gz`;

/** The two ways, as every failure must print them (exact commands). */
const WAY_1 = [
    "curl -fsSL https://get.pulumi.com | sh -s -- --version 3.259.0",
    'export PATH="$HOME/.pulumi/bin:$PATH"',
    "pulumi plugin install resource command 1.2.1",
    "bash scripts/install-pulumi.sh",
];
const WAY_2 = [
    "PULUMI_PLUGIN_SOURCES=/path/to/third_party DSC_FORCE_BUILD=1 bash scripts/install-pulumi.sh",
];

interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs a command without blocking the event loop (the download server answers meanwhile). */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd = REPO): Promise<Run> {
    return new Promise((resolve, reject) => {
        const p = spawn(cmd, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        p.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        p.on("error", reject);
        p.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
}

function linkOrCopy(from: string, to: string): void {
    try {
        fs.linkSync(from, to);
    } catch {
        fs.copyFileSync(from, to);
        fs.chmodSync(to, 0o755);
    }
}

function expectBothWays(r: Run, what: string): void {
    expect(r.code, `${what}: exit`).to.equal(1);
    for (const line of [...WAY_1, ...WAY_2]) expect(r.stderr, what).to.contain(line);
}

describe("install-pulumi.sh with Pulumi installed the usual way (fresh PULUMI_HOME, no Go)", function () {
    this.timeout(300000);
    let tmp: string;
    let built: string; // the project's built engine (CLI + language host)
    let provider: string;
    let server: http.Server;
    let port = 0;
    const requests: string[] = [];

    /** A Pulumi "installation": the CLI (and its language host unless told) in dir/bin. */
    function install(name: string, withLanguageHost = true): string {
        const bin = path.join(tmp, name, "bin");
        fs.mkdirSync(bin, { recursive: true });
        // The files themselves (an installed pulumi may be a symlink into its own folder).
        linkOrCopy(fs.realpathSync(path.join(built, "pulumi")), path.join(bin, "pulumi"));
        if (withLanguageHost) {
            const lh = "pulumi-language-nodejs";
            linkOrCopy(fs.realpathSync(path.join(built, lh)), path.join(bin, lh));
        }
        return bin;
    }

    /** A laptop's environment: that installation first on PATH, no go, its own HOME and PULUMI_HOME. */
    function laptop(bin: string, home: string, over: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
        fs.mkdirSync(home, { recursive: true });
        return {
            PATH: `${bin}:/usr/bin:/bin`,
            HOME: home,
            PULUMI_HOME: path.join(home, ".pulumi"),
            PULUMI_SKIP_UPDATE_CHECK: "true",
            // Way 2's cache and sources are empty here: nothing can be built.
            PULUMI_TOOLS_DIR: path.join(home, "tools"),
            PULUMI_PLUGIN_SOURCES: path.join(home, "no-sources"),
            PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES: `^github://api.github.com/pulumi=http://127.0.0.1:${port}`,
            ...over,
        };
    }

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-install-"));
        // The engine this project builds (test:cli runs install-pulumi.sh first; warm: < 1 s), or,
        // where it cannot be built, the Pulumi installed on this machine and its registered provider.
        const forced = spawnSync("bash", [SCRIPT], {
            encoding: "utf8",
            env: { ...process.env, DSC_FORCE_BUILD: "1" },
        });
        if (forced.status === 0) {
            built = forced.stdout.trim();
            provider = path.join(path.dirname(built), "provider", "pulumi-resource-command");
        } else {
            built = execFileSync("bash", [SCRIPT], { encoding: "utf8" }).trim();
            const home = process.env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi");
            provider = path.join(
                home,
                "plugins",
                "resource-command-v1.2.1",
                "pulumi-resource-command",
            );
        }
        const site = path.join(tmp, "site");
        fs.mkdirSync(site);
        fs.copyFileSync(provider, path.join(tmp, "pulumi-resource-command"));
        execFileSync("tar", [
            "-czf",
            path.join(site, TARBALL),
            "-C",
            tmp,
            "pulumi-resource-command",
        ]);
        server = http.createServer((req, res) => {
            requests.push(req.url ?? "");
            const f = path.join(site, path.basename(req.url ?? ""));
            if (req.url !== `/${TARBALL}` || !fs.existsSync(f)) {
                res.writeHead(404).end();
                return;
            }
            // Pulumi checks the bytes it copied against Content-Length (a chunked reply fails).
            const body = fs.readFileSync(f);
            res.writeHead(200, {
                "Content-Type": "application/gzip",
                "Content-Length": body.length,
            }).end(body);
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        port = (server.address() as net.AddressInfo).port;
    });
    after(async () => {
        await new Promise((r) => server?.close(r));
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("uses that pulumi, installs the command provider from the download site once, builds nothing", async () => {
        const bin = install("laptop");
        const env = laptop(bin, path.join(tmp, "home-1"));
        expect(spawnSync("bash", ["-c", "command -v go"], { env }).status, "no go").to.equal(1);
        requests.splice(0);
        const first = await run("bash", [SCRIPT], env);
        expect(first.code, first.stderr).to.equal(0);
        expect(first.stdout).to.equal(`${bin}\n`);
        expect(first.stderr).to.contain(
            "installing the command provider: pulumi plugin install resource command 1.2.1",
        );
        expect(requests).to.deep.equal([`/${TARBALL}`]);
        const plugin = path.join(env.PULUMI_HOME!, "plugins", "resource-command-v1.2.1");
        expect(fs.readFileSync(path.join(plugin, "pulumi-resource-command"))).to.deep.equal(
            fs.readFileSync(provider),
        );
        expect(fs.existsSync(env.PULUMI_TOOLS_DIR!), "nothing built or cached").to.equal(false);

        const again = await run("bash", [SCRIPT], env);
        expect(again.code, again.stderr).to.equal(0);
        expect(again.stdout).to.equal(`${bin}\n`);
        expect(again.stderr).to.equal("");
        expect(requests, "installed once").to.have.length(1);
    });

    it("takes a language host that is on PATH instead of beside the CLI", async () => {
        const bin = install("cli-only", false);
        const hosts = install("hosts-elsewhere");
        fs.rmSync(path.join(hosts, "pulumi"));
        const env = laptop(bin, path.join(tmp, "home-2"));
        env.PATH = `${bin}:${hosts}:/usr/bin:/bin`;
        const r = await run("bash", [SCRIPT], env);
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout).to.equal(`${bin}\n`);
    });

    it("no pulumi and no sources: names both ways with their exact commands", async () => {
        const empty = path.join(tmp, "empty-bin");
        fs.mkdirSync(empty, { recursive: true });
        const env = laptop(empty, path.join(tmp, "home-3"));
        const r = await run("bash", [SCRIPT], env);
        expectBothWays(r, "no pulumi, no sources");
        expect(r.stderr).to.contain(
            "no pulumi on PATH, and the sources to build it from are not there",
        );
        expect(r.stdout).to.equal("");
    });

    it("no pulumi, sources present but no go: names both ways", async () => {
        const empty = path.join(tmp, "empty-bin");
        fs.mkdirSync(empty, { recursive: true });
        const sources = path.join(tmp, "sources");
        for (const d of ["pulumi-language-nodejs", "pulumi-command/provider"]) {
            fs.mkdirSync(path.join(sources, d), { recursive: true });
        }
        const env = laptop(empty, path.join(tmp, "home-4"), { PULUMI_PLUGIN_SOURCES: sources });
        const r = await run("bash", [SCRIPT], env);
        expectBothWays(r, "no go");
        expect(r.stderr).to.contain(
            "no pulumi on PATH, and there is no go to build it with. Install Pulumi (way 1), or install Go 1.25 or newer (way 2).",
        );
    });

    it("a pulumi without its language host: names both ways, builds nothing", async () => {
        const bin = install("no-language-host", false);
        const env = laptop(bin, path.join(tmp, "home-5"));
        const r = await run("bash", [SCRIPT], env);
        expectBothWays(r, "no language host");
        expect(r.stderr).to.contain("has no Node.js language host");
        expect(r.stderr).to.contain(
            "Reinstall Pulumi with its installer, which puts it beside pulumi (way 1), or take way 2.",
        );
        expect(fs.existsSync(env.PULUMI_TOOLS_DIR!)).to.equal(false);
    });

    it("the plugin install failing (download site unreachable): names both ways", async () => {
        const bin = install("offline");
        const env = laptop(bin, path.join(tmp, "home-6"), {
            // Port 1 on loopback: connection refused, as with no download site.
            PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES:
                "^github://api.github.com/pulumi=http://127.0.0.1:1",
        });
        const r = await run("bash", [SCRIPT], env);
        expectBothWays(r, "plugin install failed");
        expect(r.stderr).to.contain(
            "`pulumi plugin install resource command 1.2.1` failed (its output is above)",
        );
        expect(r.stderr).to.contain("connection refused");
        expect(r.stderr).to.contain(
            "If this machine cannot reach Pulumi's download site, take way 2 (DSC_FORCE_BUILD=1 sets the pulumi on PATH aside).",
        );
        expect(fs.existsSync(env.PULUMI_TOOLS_DIR!)).to.equal(false);
    });

    it("a pulumi older than v3.248.0 is refused, naming both ways", async () => {
        const bin = path.join(tmp, "old", "bin");
        fs.mkdirSync(bin, { recursive: true });
        // A stand-in that only answers `version` like Pulumi v3.200.0 does (one line, v-prefixed).
        fs.writeFileSync(path.join(bin, "pulumi"), "#!/bin/sh\necho v3.200.0\n", { mode: 0o755 });
        const r = await run("bash", [SCRIPT], laptop(bin, path.join(tmp, "home-7")));
        expectBothWays(r, "old pulumi");
        expect(r.stderr).to.contain("is Pulumi v3.200.0; this project needs v3.248.0 or newer");
        expect(r.stderr).to.contain("Update Pulumi (way 1), or take way 2.");
    });

    it("one floor: the SDK's release, the script's PULUMI_FLOOR and Pulumi.yaml's requiredPulumiVersion", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as {
            dependencies: Record<string, string>;
        };
        const sdk = pkg.dependencies["@pulumi/pulumi"];
        expect(sdk).to.match(/^\d+\.\d+\.\d+$/);
        expect(fs.readFileSync(SCRIPT, "utf8")).to.contain(`\nPULUMI_FLOOR=${sdk}\n`);
        expect(fs.readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8")).to.contain(
            `\nrequiredPulumiVersion: ">=${sdk}"\n`,
        );
    });

    it("npm run preview:example works with such a pulumi and no go", async () => {
        const bin = install("preview");
        const home = path.join(tmp, "home-8");
        const project = path.join(tmp, "project");
        const skip = new Set(["node_modules", ".git", ".state", ".pulumi-home"]);
        fs.cpSync(REPO, project, {
            recursive: true,
            filter: (src) => !skip.has(path.basename(src)) || path.dirname(src) !== REPO,
        });
        fs.symlinkSync(path.join(REPO, "node_modules"), path.join(project, "node_modules"));
        const env = laptop(bin, home, {
            PULUMI_BACKEND_URL: `file://${path.join(tmp, "state")}`,
            PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        });
        fs.mkdirSync(path.join(tmp, "state"), { recursive: true });
        expect(spawnSync("bash", ["-c", "command -v go"], { env }).status, "no go").to.equal(1);
        const r = await run("npm", ["run", "-s", "preview:example"], env, project);
        expect(r.code, r.stdout + r.stderr).to.equal(0);
        expect(r.stdout).to.contain("Previewing update (example)");
        expect(r.stdout).to.match(/\d+ to create/);
        expect(fs.existsSync(env.PULUMI_TOOLS_DIR!), "nothing built").to.equal(false);

        // The CLI itself enforces Pulumi.yaml's floor: raised above this CLI, the preview refuses.
        const yaml = path.join(project, "Pulumi.yaml");
        fs.writeFileSync(
            yaml,
            fs
                .readFileSync(yaml, "utf8")
                .replace(/requiredPulumiVersion: .*/, 'requiredPulumiVersion: ">=9.0.0"'),
        );
        const refused = await run("npm", ["run", "-s", "preview:example"], env, project);
        expect(refused.code).not.to.equal(0);
        expect(refused.stdout + refused.stderr).to.contain(
            'Pulumi CLI version 3.259.0 does not satisfy the version range ">=9.0.0"',
        );
    });
});
