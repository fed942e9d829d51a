/**
 * AppCaches: one Dokku app's shared-cache mounts and env vars, converged by
 * one remote command (one SSH session) that reads the app's state first and
 * writes only the difference, then restarts the app only if it changed.
 */
import * as pulumi from "@pulumi/pulumi";
import { AfterChange } from "../config/types";
import { recordAppliedSh } from "../host/applied";
import { appScript, withRepairGeneration } from "../host/app-converge";
import { parseResults } from "../host/result";
import { AppDesired } from "../model/desired-state";
import { dockerfileLinesOutput, lastRunView, mountsByPath } from "../report/summary";
import { HostCommandArgs, convergeCommand, hostArgs } from "./remote-command";

/** Stable type token: renaming it would replace every app's resources. */
export const APP_CACHES_TYPE = "dokku-shared-cache:index:AppCaches";

export interface AppCachesArgs extends HostCommandArgs {
    /** The app's desired mounts and env (from `buildDesiredState`). */
    app: AppDesired;
    /** `restart` (default), `rebuild` or `none`, applied only when the app changed and is deployed. */
    afterChange: AfterChange;
    /** Host-wide bound on concurrent restarts/rebuilds. Default 2. */
    maxParallelRestarts: number;
    /** Seconds the converge waits for a running deploy of the app (host/deploy-wait.ts). Default 600. */
    deployWaitSeconds?: number;
    /**
     * Drift repair generation (number of repairs so far, plus one when the
     * host drifted now), from the read-only probe; undefined when drift
     * detection is off. Written into the command's text (`sh -s converge N`
     * when N > 0), so a new value shows in `pulumi preview` as an update of
     * this app's command (never a replace) and re-runs the converge, which
     * records it on the host.
     */
    repair?: number;
}

export class AppCaches extends pulumi.ComponentResource {
    /** Mounts this app should have: container path → host path (` (read-only)` when so). */
    public readonly mounts: pulumi.Output<Record<string, string>>;
    /** Env vars this app should have. */
    public readonly env: pulumi.Output<Record<string, string>>;
    /** What the caches can and cannot do for this app's builds. */
    public readonly buildNote: pulumi.Output<string>;
    /** Whether the caches speed up this app's image builds (Dokku mounts never reach a build). */
    public readonly cachesHelpBuild: pulumi.Output<boolean>;
    /**
     * Dockerfile apps: per cache, the Dockerfile line (a BuildKit cache mount with the cache's
     * fixed id) that lets the image build share it; `{}` for buildpack apps.
     */
    public readonly dockerfileLines: pulumi.Output<Record<string, string>>;
    /**
     * The last converge's summary (what it did per container path, env key and build option,
     * whether it restarted; see `lastRunView`); unknown during preview.
     */
    public readonly lastRun: pulumi.Output<Record<string, unknown> | undefined>;

    constructor(name: string, args: AppCachesArgs, opts?: pulumi.ComponentResourceOptions) {
        super(APP_CACHES_TYPE, name, {}, opts);
        const scriptOpts = {
            stateDir: args.stateDir,
            afterChange: args.afterChange,
            maxParallelRestarts: args.maxParallelRestarts,
            deployWaitSeconds: args.deployWaitSeconds,
        };
        const repair = args.repair;
        const cmd = convergeCommand(
            `${name}-converge`,
            {
                ...hostArgs(args),
                id: `app-${args.app.name}`,
                converge: withRepairGeneration(
                    appScript(args.app, scriptOpts, "converge") + recordAppliedSh(args.app),
                ),
                remove: appScript(
                    { name: args.app.name, mounts: [], env: {} },
                    scriptOpts,
                    "remove",
                ),
                // `sh -s converge N` (N > 0): in the command text, not the script.
                convergeArg: repair ? String(Math.trunc(repair)) : undefined,
            },
            {
                parent: this,
                // Without drift detection the generation is unknown: keep the last one, so that
                // toggling detectDrift changes no input and the next up updates nothing.
                ...(repair === undefined ? { ignoreChanges: ["create", "update"] } : {}),
            },
        );
        this.mounts = pulumi.output(mountsByPath(args.app.mounts));
        this.env = pulumi.output(args.app.env);
        this.buildNote = pulumi.output(args.app.buildNote);
        this.cachesHelpBuild = pulumi.output(args.app.cachesHelpBuild);
        this.dockerfileLines = pulumi.output(dockerfileLinesOutput(args.app.dockerfileLines));
        this.lastRun = cmd.stdout.apply((s) => {
            const r = s ? parseResults(s)[0] : undefined;
            return r && lastRunView(r);
        });
        this.registerOutputs({
            mounts: this.mounts,
            env: this.env,
            buildNote: this.buildNote,
            cachesHelpBuild: this.cachesHelpBuild,
            dockerfileLines: this.dockerfileLines,
            lastRun: this.lastRun,
        });
    }
}
