/**
 * The program's flow, from raw stack config to resources:
 * validate → (probe the host, read-only) → desired state → components → outputs.
 * index.ts only reads config and calls {@link runProgram}. Each step is one
 * function that takes the host it works on, so a stack with several hosts
 * is a loop over {@link planHost} and {@link declareHost}.
 */
import * as pulumi from "@pulumi/pulumi";
import { RawSettings } from "./config/raw";
import { checkAppName } from "./config/schema";
import { Settings } from "./config/types";
import { validateSettings } from "./config/validate";
import { DokkuSharedCache } from "./components/dokku-shared-cache";
import { remoteConnection } from "./components/remote-command";
import { dokkuVersionProblem, dokkuVersionWarning } from "./host/dokku-version";
import { connectionId } from "./host/generation";
import { Observed } from "./host/probe";
import { pinKnownHost } from "./io/known-hosts";
import { ProbeVerdict, engineProcessId, saveVerdict, takeVerdict } from "./io/probe-verdict";
import { probeHost } from "./io/ssh";
import { DesiredState, buildDesiredState } from "./model/desired-state";
import { driftOf } from "./report/drift";

export type Prober = typeof probeHost;

export interface ProgramArgs {
    /** Raw stack config values (every key of the namespace, not the private key). */
    raw: RawSettings;
    /** The SSH private key, a secret. */
    privateKey: pulumi.Output<string>;
    /** Replaces the SSH probe (tests; the offline plan). */
    probe?: Prober;
}

/** The name of the root component of the (first) host: part of every URN, never to change. */
export const ROOT_NAME = "dokku";

/** Everything decided about one host before any resource is declared. */
export interface HostPlan {
    settings: Settings;
    desired: DesiredState;
    /** Per app, its drift repair generation; undefined when drift detection is off. */
    repair?: Record<string, number>;
    /** Per app, what drifted ("" in sync); empty when nothing was read. */
    drift: Record<string, string>;
    /** Local known_hosts pinning the host key, for the warm-up's ssh. */
    knownHostsFile?: string;
}

/** Waits for an Output's value inside the program (the value stays out of logs). */
function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply((v) => resolve(v)));
}

function probing(settings: Settings): boolean {
    return settings.discover.enabled || settings.detectDrift;
}

/**
 * `pulumi up` runs the program twice (preview, then update) in one CLI
 * process: the update phase takes the preview's verdict instead of reading
 * every app again, so an `up` probes once and does what its preview showed.
 * Keyed by the CLI process and everything the verdict depends on; `pulumi
 * preview` or a later `up` probes afresh. Undefined (probe every time) when
 * not run by the engine.
 */
function verdictId(settings: Settings, key: string): string | undefined {
    const engine = probing(settings) ? engineProcessId() : undefined;
    return (
        engine &&
        [engine, connectionId(settings.connection, key), JSON.stringify(settings)].join("\n")
    );
}

/** Reads the host read-only when `discover` or drift detection needs it. */
async function observeHost(
    settings: Settings,
    key: string,
    probe: Prober,
): Promise<Observed | undefined> {
    if (!probing(settings)) return undefined;
    return probe(
        settings.connection,
        key,
        settings.apps.map((a) => a.name),
        settings.discover.enabled,
        settings.stateDir,
    );
}

/** Supported Dokku versions are checked, not claimed: refuse before any resource. */
function assertDokkuSupported(settings: Settings, observed: Observed | undefined): void {
    if (observed?.dokkuVersion === undefined) return;
    const host = settings.connection.host;
    const refused = dokkuVersionProblem(observed.dokkuVersion);
    if (refused) throw new Error(`dokku-shared-cache: ${host}: ${refused}`);
    const untested = dokkuVersionWarning(observed.dokkuVersion);
    if (untested) void pulumi.log.warn(`dokku-shared-cache: ${host}: ${untested}`);
}

/** A configured app missing on the host fails the run before anything is created. */
function assertAppsExist(settings: Settings, observed: Observed | undefined): void {
    if (!observed) return;
    const explicit = settings.apps.map((a) => a.name);
    const missing = explicit.filter((a) => observed.state[a] && !observed.state[a].exists);
    if (missing.length === 0) return;
    throw new pulumi.InputPropertiesError({
        message: `app(s) not found on ${settings.connection.host}: ${missing.join(", ")}; nothing was changed on any app`,
        errors: missing.map((a) => ({
            propertyPath: `dokku-shared-cache:apps[${explicit.indexOf(a)}].name`,
            reason: `app ${JSON.stringify(a)} does not exist on the host (dokku apps:exists exit 20); create it or remove it from the stack`,
        })),
    });
}

/** The host's app names usable as Dokku 0.38 names (for `discover`); warns about the others. */
function hostAppNames(settings: Settings, listed: readonly string[] = []): string[] {
    return listed.filter((a) => {
        const bad = checkAppName(a);
        if (bad && settings.discover.enabled) {
            void pulumi.log.warn(
                `discover: skipping host app ${JSON.stringify(a)}: its name ${bad}`,
            );
        }
        return !bad;
    });
}

/**
 * Drift repair generations: an app whose host state drifted gets the next
 * generation in its command text (`sh -s converge N`), so the engine runs it
 * (an update); the converge records the generation in its ledger, so once
 * repaired the text is stable again and the next run has nothing to do.
 */
function judgeDrift(desired: DesiredState, observed: Observed, detectDrift: boolean): ProbeVerdict {
    const verdict: ProbeVerdict = { apps: observed.apps, drift: {}, warn: [] };
    if (!detectDrift) return verdict;
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
    return verdict;
}

/** Pins the host key in a local known_hosts when the warm-up's ssh needs it. */
function warmupKnownHosts(settings: Settings): string | undefined {
    const c = settings.connection;
    if (!settings.warmup.playwright || !c.hostKey) return undefined;
    return pinKnownHost(c.host, c.port, c.hostKey);
}

/**
 * Validated settings of one host → everything its resources need (reads the
 * host, read-only, unless this `pulumi up`'s preview phase already did).
 */
export async function planHost(
    settings: Settings,
    key: string,
    probe: Prober,
    reuseVerdict: boolean,
): Promise<HostPlan> {
    const id = reuseVerdict ? verdictId(settings, key) : undefined;
    const dryRun = pulumi.runtime.isDryRun();
    const saved = id && !dryRun ? takeVerdict(id) : undefined;
    const observed = saved ? undefined : await observeHost(settings, key, probe);
    assertDokkuSupported(settings, observed);
    assertAppsExist(settings, observed);
    const desired = buildDesiredState(
        settings,
        hostAppNames(settings, saved?.apps ?? observed?.apps),
    );
    const verdict = saved ?? (observed && judgeDrift(desired, observed, settings.detectDrift));
    if (!saved && verdict && id && dryRun) saveVerdict(id, verdict);
    const drift = verdict?.drift ?? {};
    for (const app of verdict?.warn ?? []) {
        void pulumi.log.warn(
            `app ${app} drifted on the host (${drift[app]}); this run converges it again`,
        );
    }
    return {
        settings,
        desired,
        drift,
        repair: settings.detectDrift ? verdict?.repair : undefined,
        knownHostsFile: warmupKnownHosts(settings),
    };
}

/** The resources of one host, under one root component. */
export function declareHost(
    name: string,
    plan: HostPlan,
    privateKey: pulumi.Output<string>,
    key: string,
): DokkuSharedCache {
    const c = plan.settings.connection;
    return new DokkuSharedCache(name, {
        connection: remoteConnection(c, privateKey),
        desired: plan.desired,
        repair: plan.repair,
        connectionId: connectionId(c, key),
        connectionSpec: c,
        knownHostsFile: plan.knownHostsFile,
    });
}

/** The stack outputs of one host. */
export function stackOutputs(host: DokkuSharedCache, plan: HostPlan) {
    return {
        summary: host.summary,
        cacheDirs: host.cacheDirs,
        apps: host.appSummary,
        drift: pulumi.output(
            Object.fromEntries(Object.entries(plan.drift).filter(([, v]) => v !== "")),
        ),
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
    const plan = await planHost(settings, key, args.probe ?? probeHost, !args.probe);
    const host = declareHost(ROOT_NAME, plan, args.privateKey, key);
    return stackOutputs(host, plan);
}
