/**
 * The SSH connection handed to every remote.Command.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { ConnectionSpec } from "./config";

export type RemoteConnection = command.types.input.remote.ConnectionArgs;

/** Builds the remote.Command connection; the private key stays a secret Output. */
export function remoteConnection(
    spec: ConnectionSpec,
    privateKey: pulumi.Input<string>,
): RemoteConnection {
    return {
        host: spec.host,
        port: spec.port,
        user: spec.user,
        privateKey: pulumi.secret(privateKey),
        ...(spec.hostKey ? { hostKey: spec.hostKey } : {}),
        dialErrorLimit: spec.dialErrorLimit,
        perDialTimeout: spec.perDialTimeout,
    };
}
