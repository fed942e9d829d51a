/**
 * The program's flow, from raw stack config to resources: validate, look at
 * the host read-only (for `discover` and drift), build the desired state,
 * instantiate. index.ts only reads config and calls {@link runProgram}.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RawSettings, checkAppName, validateSettings } from "./config";
import { remoteConnection } from "./connection";
import { DokkuSharedCache } from "./dokku-shared-cache";
import { dokkuVersionProblem, dokkuVersionWarning } from "./dokku-version";
import { connectionId } from "./generation";
import {
    Observed,
    driftOf,
    engineProcessId,
    knownHostsLine,
    probeHost,
    saveVerdict,
    takeVerdict,
} from "./host-probe";
import { buildDesiredState } from "./model";

export type Prober = typeof probeHost;

export interface ProgramArgs {
    /** Raw stack config values (not the private key). */
    raw: RawSettings;
    /** The SSH private key, a secret. */
    privateKey: pulumi.Output<string>;
    /** Replaces the SSH probe (tests). */
    probe?: Prober;
}

/** Waits for an Output's value inside the program (the value stays out of logs). */
function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/**
 * The error the CLI shows when the program fails: a `pulumi.RunError`, which
 * the SDK prints as its message alone: our own errors (bad config, a missing
 * app, an unreachable host) with each problem on its own line, any other
 * error with its stack in the message. Its own `stack` holds no frames: the
 * SDK also passes every failure through `util.inspect` (for a trace event),
 * and inside the language host that took 1 to 2 minutes of CPU per error with
 * stack frames (Node 20, @pulumi/pulumi 3.248, seen with the real engine), so
 * a bad-config preview took minutes to fail; without frames, seconds.
 */
export function userFacingError(e: unknown): unknown {
    if (pulumi.InputPropertiesError.isInstance(e)) {
        const details = e.errors
            .map((x) => `  ${x.propertyPath}: ${x.reason}`)
            .filter((l) => !e.message.includes(l.trim()));
        return frameless([e.message, ...details].join("\n"));
    }
    const runError: boolean = pulumi.RunError.isInstance(e);
    if (e instanceof Error) {
        const ours = runError || e.message.startsWith("dokku-shared-cache:");
        return frameless(ours ? e.message : (e.stack ?? e.message));
    }
    return e;
}

function frameless(message: string): pulumi.RunError {
    const r = new pulumi.RunError(message);
    r.stack = `RunError: ${message.split("\n")[0]}`;
    return r;
}

export async function runProgram(args: ProgramArgs) {
    const key = await valueOf(args.privateKey);
    const settings = validateSettings({ ...args.raw, privateKey: key });
    const explicit = settings.apps.map((a) => a.name);
    const probing = settings.discover.enabled || settings.detectDrift;
    // `pulumi up` runs the program twice (preview, then update) in one CLI
    // process: the update phase takes the preview's verdict instead of
    // reading every app again, so an `up` probes once and does what its
    // preview showed. Keyed by the CLI process and everything the verdict
    // depends on; `pulumi preview` or a later `up` probes afresh.
    const engine = probing && !args.probe ? engineProcessId() : undefined;
    const reuseId =
        engine &&
        [engine, connectionId(settings.connection, key), JSON.stringify(settings)].join("\n");
    const dryRun = pulumi.runtime.isDryRun();
    let verdict = reuseId && !dryRun ? takeVerdict(reuseId) : undefined;
    let observed: Observed | undefined;
    if (probing && !verdict) {
        observed = await (args.probe ?? probeHost)(
            settings.connection,
            key,
            explicit,
            settings.discover.enabled,
            settings.stateDir,
        );
        // Supported versions are checked, not claimed: refuse before any resource.
        if (observed.dokkuVersion !== undefined) {
            const refused = dokkuVersionProblem(observed.dokkuVersion);
            if (refused)
                throw new Error(`dokku-shared-cache: ${settings.connection.host}: ${refused}`);
            const untested = dokkuVersionWarning(observed.dokkuVersion);
            if (untested)
                void pulumi.log.warn(
                    `dokku-shared-cache: ${settings.connection.host}: ${untested}`,
                );
        }
        const missing = explicit.filter((a) => observed!.state[a] && !observed!.state[a].exists);
        if (missing.length > 0) {
            throw new pulumi.InputPropertiesError({
                message: `app(s) not found on ${settings.connection.host}: ${missing.join(", ")}; nothing was changed on any app`,
                errors: missing.map((a) => ({
                    propertyPath: `dokku-shared-cache:apps[${explicit.indexOf(a)}].name`,
                    reason: `app ${JSON.stringify(a)} does not exist on the host (dokku apps:exists exit 20); create it or remove it from the stack`,
                })),
            });
        }
    }
    const hostApps = (verdict?.apps ?? observed?.apps ?? []).filter((a) => {
        const bad = checkAppName(a);
        if (bad && settings.discover.enabled) {
            void pulumi.log.warn(
                `discover: skipping host app ${JSON.stringify(a)}: its name ${bad}`,
            );
        }
        return !bad;
    });
    const desired = buildDesiredState(settings, hostApps);
    // Drift repair generations: an app whose host state drifted gets the next
    // generation in its command text (`sh -s converge N`), so the engine runs
    // it (an update); the converge records the generation in its ledger, so
    // once repaired the text is stable again and the next run has nothing to do.
    if (!verdict && observed) {
        verdict = { apps: observed.apps, drift: {}, warn: [] };
        if (settings.detectDrift) {
            verdict.repair = {};
            for (const app of desired.apps) {
                const o = observed.state[app.name];
                // Not read (never converged by this program): nothing of ours can have drifted.
                const d = o?.unread ? "" : driftOf(app, o);
                verdict.drift[app.name] = d;
                verdict.repair[app.name] = (o?.repair ?? 0) + (d ? 1 : 0);
                // An app this program never converged (no ledger) has not drifted: it is new.
                if (d && o?.repair != null) verdict.warn.push(app.name);
            }
        }
        if (reuseId && dryRun) saveVerdict(reuseId, verdict);
    }
    const drift = verdict?.drift ?? {};
    const repair = settings.detectDrift ? verdict?.repair : undefined;
    for (const app of verdict?.warn ?? []) {
        void pulumi.log.warn(
            `app ${app} drifted on the host (${drift[app]}); this run converges it again`,
        );
    }
    let knownHostsFile: string | undefined;
    const c = settings.connection;
    if (settings.warmup.playwright && c.hostKey) {
        // A stable, home-relative path (ssh expands ~) so the Docker provider's config does not change between machines.
        knownHostsFile = "~/.dokku-shared-cache/known_hosts";
        const real = path.join(os.homedir(), ".dokku-shared-cache", "known_hosts");
        fs.mkdirSync(path.dirname(real), { recursive: true, mode: 0o700 });
        const line = knownHostsLine(c.host, c.port, c.hostKey);
        const cur = fs.existsSync(real) ? fs.readFileSync(real, "utf8") : "";
        if (!cur.split("\n").includes(line.trimEnd())) fs.appendFileSync(real, line);
    }
    const host = new DokkuSharedCache("dokku", {
        connection: remoteConnection(settings.connection, args.privateKey),
        desired,
        repair,
        connectionId: connectionId(settings.connection, key),
        connectionSpec: settings.connection,
        knownHostsFile,
    });
    return {
        summary: host.summary,
        cacheDirs: host.cacheDirs,
        apps: host.appSummary,
        drift: pulumi.output(Object.fromEntries(Object.entries(drift).filter(([, v]) => v !== ""))),
        buildCache: host.buildCache
            ? pulumi.all({
                  schedule: host.buildCache.schedule,
                  gc: host.buildCache.gc,
                  pruned: host.buildCache.pruned,
              })
            : pulumi.output(undefined),
        lastRuns: pulumi.all(
            Object.fromEntries(Object.entries(host.apps).map(([n, a]) => [n, a.lastRun])),
        ),
    };
}
