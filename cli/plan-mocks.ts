/**
 * Pulumi's mock engine for the offline plan (cli/plan.ts) and the mock
 * tests: records every resource the program registers, with its URN and its
 * parent's (as the mock monitor computes them); unknown calls throw.
 */
import * as pulumi from "@pulumi/pulumi";

export interface Recorded {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    /** Its URN, as the mock monitor computes it (parent types, type, name). */
    urn: string;
    /** Its parent's URN ("" for none). */
    parent: string;
    /** Its aliases as the SDK sent them (alias specs: `{spec: {name, …}}`). */
    aliases: unknown[];
}

export const recorded: Recorded[] = [];

/** How the SDK's mocks pass a secret input (@pulumi/pulumi 3.248 runtime/rpc.js). */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/**
 * The inputs with `stdin` as its text: components/remote-command.ts marks the
 * scripts secret (for the preview's display only), and the plan and the
 * tests read them.
 */
function plainStdin(inputs: Record<string, unknown>): Record<string, unknown> {
    const s = inputs.stdin as Record<string, unknown> | undefined;
    if (s && typeof s === "object" && s[SECRET_SIG_KEY] === SECRET_SIG) {
        return { ...inputs, stdin: s.value };
    }
    return inputs;
}

/** The parts of the SDK's MockMonitor (@pulumi/pulumi 3.248 runtime/mocks.js) read here. */
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getAliasesList(): { toObject(): unknown }[];
}
interface MockMonitor {
    registerResource(req: RegisterRequest, callback: unknown): unknown;
    newUrn(parent: string, type: string, name: string): string;
}

interface Lineage {
    urn: string;
    parent: string;
    aliases: unknown[];
}
/** Per `type::name`, the registrations not yet handed to `newResource`, as the monitor received them. */
const lineage = new Map<string, Lineage[]>();

/**
 * Installs the mocks. `newResource` is given no parent, so the monitor's
 * `registerResource` is wrapped to note each request's parent and URN (the
 * monitor's own `newUrn`) and aliases; the monitor calls `newResource`
 * right away, so each request's note is the first of its `type::name`.
 */
export function installMocks(): void {
    void pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                const at = lineage.get(`${args.type}::${args.name}`)?.shift();
                recorded.push({
                    type: args.type,
                    name: args.name,
                    inputs: plainStdin(args.inputs as Record<string, unknown>),
                    urn: at?.urn ?? "",
                    parent: at?.parent ?? "",
                    aliases: at?.aliases ?? [],
                });
                const state = { ...args.inputs } as Record<string, unknown>;
                if (args.type === "command:remote:Command") {
                    state.stdout = "";
                    state.stderr = "";
                }
                return { id: `${args.name}-id`, state };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                throw new Error(`unexpected call ${args.token}`);
            },
        },
        "dokku-shared-cache",
        "test",
        false,
    );
    const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitor;
    if (typeof monitor.registerResource !== "function" || typeof monitor.newUrn !== "function") {
        throw new Error(
            "plan-mocks: this @pulumi/pulumi's mock monitor has no registerResource/newUrn",
        );
    }
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: RegisterRequest, callback: unknown) => {
        const parent = req.getParent();
        const key = `${req.getType()}::${req.getName()}`;
        lineage.set(key, [
            ...(lineage.get(key) ?? []),
            {
                urn: monitor.newUrn(parent, req.getType(), req.getName()),
                parent,
                aliases: req.getAliasesList().map((a) => a.toObject()),
            },
        ]);
        return register(req, callback);
    };
}

/**
 * The resources under each root of type `rootType` (the root included), by
 * the root's name, in registration order; resources under no such root are
 * under "".
 */
export function byRoot(list: readonly Recorded[], rootType: string): Map<string, Recorded[]> {
    const byUrn = new Map(list.map((r) => [r.urn, r]));
    const rootOf = (r: Recorded | undefined): string => {
        for (let seen = 0; r && seen <= list.length; seen++) {
            if (r.type === rootType) return r.name;
            r = byUrn.get(r.parent);
        }
        return "";
    };
    const groups = new Map<string, Recorded[]>();
    for (const r of list) {
        const root = rootOf(r);
        groups.set(root, [...(groups.get(root) ?? []), r]);
    }
    return groups;
}

/** Resolves an Output's value in tests. */
export function unwrap<T>(o: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => o.apply((v) => resolve(v)));
}
