/**
 * The program's flow, from raw stack config to resources:
 * validate → (probe the host, read-only) → desired state → components → outputs.
 * index.ts only reads config and calls {@link runProgram}. Each step is one
 * function that takes the host it works on, so a stack with several hosts
 * is a loop over {@link planHost} and {@link declareHost}.
 */
import * as pulumi from "@pulumi/pulumi";
import { Fleet, FleetHost, ROOT_NAME, validateFleet } from "./config/fleet";
import { RawSettings } from "./config/raw";
import { checkAppName } from "./config/schema";
import { Settings } from "./config/types";
import { DokkuSharedCache } from "./components/dokku-shared-cache";
import { remoteConnection } from "./components/remote-command";
import { dokkuVersionProblem, dokkuVersionWarning } from "./rules/dokku-version";
import { connectionId } from "./host/generation";
import { Observed } from "./host/probe";
import { lowFileSystems, minFreeBytes } from "./rules/disk";
import { pinKnownHost } from "./io/known-hosts";
import { ProbeVerdict, engineProcessId, saveVerdict, takeVerdict } from "./io/probe-verdict";
import { probeHost } from "./io/ssh";
import { DesiredState, buildDesiredState } from "./model/desired-state";
import { driftOf } from "./report/drift";

export type Prober = typeof probeHost;

export interface ProgramArgs {
    /** Raw stack config values (every key of the namespace, not the private key). */
    raw: RawSettings;
    /** The shared SSH private key, a secret (optional when every host of `hosts` has its own). */
    privateKey?: pulumi.Output<string>;
    /** Replaces the SSH probe (tests; the offline plan). */
    probe?: Prober;
}

export { ROOT_NAME };

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
    /** The first aid generation and whether it is due now (undefined when the host was not probed). */
    firstAid?: { generation: number; due: boolean };
}

/** Waits for an Output's value inside the program (the value stays out of logs). */
function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/**
 * Whether the plan reads the host first: for `discover`, drift detection,
 * and `connection.sudo` (a sudo that will not run the scripts then fails the
 * preview, before any change, with the sudoers line the user needs; the
 * command provider's own error would only quote sudo).
 */
function probing(settings: Settings): boolean {
    return settings.discover.enabled || settings.detectDrift || settings.connection.sudo === true;
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
        { sharedRoot: settings.sharedRoot, stateDir: settings.stateDir },
    );
}

/**
 * First aid generations: a file system below `disk.minFree` gets the host's recorded first aid
 * generation plus one in the first aid command's text, so `up` runs it before anything writes
 * (components/first-aid.ts); once it ran, the host records that generation and the text is
 * stable again.
 */
export function judgeFirstAid(observed: Observed, minFree: string): ProbeVerdict["firstAid"] {
    const low = lowFileSystems(observed.disk ?? [], minFreeBytes(minFree)).map((d) => ({
        mount: d.mount,
        availBytes: d.availBytes,
        labels: d.labels,
    }));
    return { generation: (observed.firstAid ?? 0) + (low.length ? 1 : 0), low };
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
    const verdict =
        saved ??
        (observed && {
            ...judgeDrift(desired, observed, settings.detectDrift),
            firstAid: judgeFirstAid(observed, settings.disk.minFree),
        });
    if (!saved && verdict && id && dryRun) saveVerdict(id, verdict);
    const drift = verdict?.drift ?? {};
    for (const app of verdict?.warn ?? []) {
        void pulumi.log.warn(
            `app ${app} drifted on the host (${drift[app]}); this run converges it again`,
        );
    }
    for (const d of verdict?.firstAid?.low ?? []) {
        void pulumi.log.warn(
            `disk: ${d.mount} (${d.labels.join(", ")}) on ${settings.connection.host} has ${d.availBytes} bytes free, below disk.minFree (${settings.disk.minFree}); ` +
                (dryRun
                    ? "pulumi up will prune Docker's build cache and the shared caches to their bounds first (first aid; this preview prunes nothing)"
                    : "pruning Docker's build cache and the shared caches to their bounds before anything is written (first aid)"),
        );
    }
    return {
        settings,
        desired,
        drift,
        firstAid: verdict?.firstAid && {
            generation: verdict.firstAid.generation,
            due: verdict.firstAid.low.length > 0,
        },
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
    opts?: pulumi.ComponentResourceOptions,
): DokkuSharedCache {
    const c = plan.settings.connection;
    return new DokkuSharedCache(
        name,
        {
            connection: remoteConnection(c, privateKey),
            desired: plan.desired,
            repair: plan.repair,
            firstAid: plan.firstAid,
            connectionId: connectionId(c, key),
            ...(c.sudo ? { sudo: true } : {}),
            connectionSpec: c,
            knownHostsFile: plan.knownHostsFile,
        },
        opts,
    );
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
        firstAid: host.firstAid.result,
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

/**
 * The first host of the `hosts` form takes over the single-host form's
 * resources: its root component is aliased to {@link ROOT_NAME}, and Pulumi
 * carries the alias to every child (their names start with the root's), so
 * moving a stack to the `hosts` form keeps every URN.
 */
function hostOptions(fleet: Fleet, h: FleetHost): pulumi.ComponentResourceOptions | undefined {
    const taken = fleet.hosts.some((x) => x.name === ROOT_NAME);
    return h.index === 0 && !taken ? { aliases: [{ name: ROOT_NAME }] } : undefined;
}

/** A host whose plan failed (unreachable, a missing app, an unsupported Dokku). */
export interface HostFailure {
    name: string;
    address: string;
    cause: string;
}

/**
 * The `hosts` form: every host is planned (probed) in parallel; a host whose
 * plan fails declares no resource (so nothing of it is updated or deleted)
 * while the others are declared and converge (the engine runs their
 * commands in parallel); then the run fails naming each failed host.
 */
async function runFleet(fleet: Fleet, probe: Prober, reuseVerdict: boolean) {
    const planned = await Promise.all(
        fleet.hosts.map(async (h) => {
            try {
                return { h, plan: await planHost(h.settings, h.privateKey, probe, reuseVerdict) };
            } catch (e) {
                const c = h.settings.connection;
                const shown = pulumi.InputPropertiesError.isInstance(e) ? userFacingError(e) : e;
                const cause = shown instanceof Error ? shown.message : String(shown);
                return { h, failure: { name: h.name, address: `${c.host}:${c.port}`, cause } };
            }
        }),
    );
    const hosts: Record<string, ReturnType<typeof stackOutputs>> = {};
    const failures: HostFailure[] = [];
    for (const { h, plan, failure } of planned) {
        if (failure) {
            failures.push(failure);
            continue;
        }
        const root = declareHost(
            h.name,
            plan!,
            pulumi.secret(h.privateKey),
            h.privateKey,
            hostOptions(fleet, h),
        );
        hosts[h.name] = stackOutputs(root, plan!);
    }
    if (failures.length > 0) throw fleetError(failures, Object.keys(hosts));
    return {
        hosts,
        summary: pulumi
            .all(Object.entries(hosts).map(([n, o]) => o.summary.apply((t) => `[${n}]\n${t}`)))
            .apply((parts) => [...parts, `fleet: ${parts.length} host(s)`].join("\n")),
    };
}

/** One error naming every failed host and its cause (frameless: the CLI shows the message only). */
export function fleetError(failures: readonly HostFailure[], converged: readonly string[]) {
    const lines = failures.map((f) => `  host ${f.name} (${f.address}): ${f.cause}`);
    return frameless(
        `${failures.length} of ${failures.length + converged.length} host(s) failed; ` +
            `their resources were left as they are` +
            (converged.length ? ` (the other hosts were declared: ${converged.join(", ")})` : "") +
            `:\n${lines.join("\n")}`,
    );
}

async function fleetOf(args: ProgramArgs): Promise<Fleet> {
    const shared = args.privateKey ? await valueOf(args.privateKey) : undefined;
    return validateFleet(shared === undefined ? args.raw : { ...args.raw, privateKey: shared });
}

function runSingle(fleet: Fleet, args: ProgramArgs) {
    const { settings, privateKey: key } = fleet.hosts[0];
    return planHost(settings, key, args.probe ?? probeHost, !args.probe).then((plan) => {
        const host = declareHost(ROOT_NAME, plan, args.privateKey!, key);
        return stackOutputs(host, plan);
    });
}

/** The single-host form (a stack with `hosts` is refused: see {@link runStack}). */
export async function runProgram(args: ProgramArgs) {
    const fleet = await fleetOf(args);
    if (fleet.form === "hosts") throw new Error("runProgram: this stack has hosts; use runStack");
    return runSingle(fleet, args);
}

/** The whole stack: the single-host form or the `hosts` form (index.ts). */
export async function runStack(args: ProgramArgs) {
    const fleet = await fleetOf(args);
    if (fleet.form === "hosts") return runFleet(fleet, args.probe ?? probeHost, !args.probe);
    return runSingle(fleet, args);
}
