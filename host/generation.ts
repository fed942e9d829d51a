/**
 * Generations: protection against a replaced resource's `delete`.
 *
 * Pulumi replaces a `remote.Command` (create the new one, then delete the old
 * one, with the old inputs) when its `triggers` change, and the command
 * provider may also replace on `connection` changes. Our delete scripts undo
 * what the converge did, so an old delete running after its replacement
 * converged would strip the host. Each create/update therefore records its
 * generation (a hash of its inputs) on the host when it succeeds, and each
 * delete first checks that the host's recorded generation is its own: if a
 * newer resource has written since, the delete belongs to a replaced resource
 * and does nothing. A real removal (app or cache left the config, destroy)
 * runs with the inputs of the last successful run, so the generations match.
 */
import * as crypto from "crypto";
import { ConnectionSpec } from "../config/types";
import { SH } from "./generated/scripts";
import { shAssign } from "./shell";

/** A short stable hash of the parts that define one run of a command. */
export function generationOf(parts: readonly string[]): string {
    const h = crypto.createHash("sha256");
    for (const p of parts) h.update(`${p.length}:${p}`);
    return h.digest("hex").slice(0, 16);
}

/**
 * Identity of the SSH connection for generations: host, port, user, host
 * key, dial settings and an HMAC tag of the private key (so that rotating
 * the key counts as a new connection without putting anything usable about
 * the key into a script).
 */
export function connectionId(c: ConnectionSpec, privateKey: string): string {
    const tag = crypto
        .createHmac("sha256", privateKey)
        .update("dokku-shared-cache connection generation")
        .digest("hex")
        .slice(0, 16);
    return [
        c.user,
        c.host,
        c.port,
        c.hostKey ?? "unpinned",
        c.dialErrorLimit,
        c.perDialTimeout,
        tag,
    ].join("|");
}

function genFile(stateDir: string, id: string): string {
    return `${stateDir}/gen/${id}`;
}

/** Records `gen` for `id` on the host when `script` exits 0. */
export function recordingGeneration(
    script: string,
    stateDir: string,
    id: string,
    gen: string,
): string {
    const f = genFile(stateDir, id);
    const header = shAssign({ DSC_GEN_DIR: `${stateDir}/gen`, DSC_GEN_FILE: f, DSC_GEN: gen });
    return `${header}\n${SH["gen-record"]}\n${script}`;
}

/**
 * Runs `script` (a delete) only if the host's recorded generation for `id`
 * is `gen` or absent; removes the record when it succeeds.
 */
export function guardedDelete(script: string, stateDir: string, id: string, gen: string): string {
    const f = genFile(stateDir, id);
    const header = shAssign({ DSC_GEN_ID: id, DSC_GEN_FILE: f, DSC_GEN: gen });
    return `${header}\n${SH["gen-guard"]}\n${script}`;
}

/** create/update/delete texts for a command owned by generation. */
export function generational(
    id: string,
    stateDir: string,
    connId: string,
    converge: string,
    remove: string | undefined,
): { script: string; delete?: string; generation: string } {
    const gen = generationOf([id, converge, connId]);
    return {
        script: recordingGeneration(converge, stateDir, id, gen),
        ...(remove !== undefined ? { delete: guardedDelete(remove, stateDir, id, gen) } : {}),
        generation: gen,
    };
}
