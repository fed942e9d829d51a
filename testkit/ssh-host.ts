/**
 * A real OpenSSH server on loopback acting as the Dokku host: generated host
 * and client keys, the `dokku` double on PATH and its state under a temp
 * root (sshd's SetEnv), stopped and removed at the end. Only 127.0.0.1.
 * The sshd itself is testkit/sshd.ts (shared with the real Dokku's host).
 */
import * as path from "path";
import { ConnectionSpec, RawSettings } from "../config";
import { DOUBLE_DIR, LocalHost } from "./local-host";
import { LoopbackSshd } from "./sshd";

export class SshHost extends LocalHost {
    port = 0;
    hostKey = "";
    clientKey = "";
    readonly sshd: LoopbackSshd;

    /** `extraEnv` reaches every session (sshd SetEnv), e.g. the double's cost knobs. */
    constructor(
        version: ConstructorParameters<typeof LocalHost>[0] = "0.38",
        extraEnv: Record<string, string> = {},
    ) {
        super(version);
        const env = this.env();
        this.sshd = new LoopbackSshd(path.join(this.root, "sshd"), {
            PATH: `${DOUBLE_DIR}:${path.dirname(process.execPath)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
            DOKKU_DOUBLE_ROOT: env.DOKKU_DOUBLE_ROOT!,
            DOKKU_DOUBLE_VERSION: env.DOKKU_DOUBLE_VERSION!,
            DOKKU_DOUBLE_NODE: process.execPath,
            ...extraEnv,
        });
    }

    async start(): Promise<void> {
        await this.sshd.start();
        this.port = this.sshd.port;
        this.hostKey = this.sshd.hostKey;
        this.clientKey = this.sshd.clientKey;
    }

    connection(over: Partial<ConnectionSpec> = {}): ConnectionSpec {
        return this.sshd.connection(over);
    }

    async stop(): Promise<void> {
        await this.sshd.stop();
        this.cleanup();
    }
}

/** Stack config for a test host: its connection and paths (inside its temp root), plus `over`. */
export function hostRaw<T extends object = Partial<RawSettings>>(
    h: SshHost,
    over: T = {} as T,
): RawSettings & T {
    return {
        connection: h.connection(),
        sharedRoot: h.sharedRoot,
        stateDir: h.stateDir,
        hostPaths: h.hostPaths(),
        ...over,
    };
}
