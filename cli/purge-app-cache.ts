/**
 * `npm run purge-app-cache -- --stack NAME --app APP --yes`: the explicit, one-off purge of
 * Dokku's own build caches of one app (herokuish `cache-<app>` through `dokku repo:purge-cache`,
 * pack cache volumes with `docker volume rm`); see host/purge-app-cache.ts. Never automatic.
 * Exit 0 purged (or nothing to purge), 1 a volume could not be removed, 2 error.
 */
import { CONFIG_NAMESPACE, PRIVATE_KEY, namespaceValues, rawFromValues } from "../config/raw";
import { checkAppName } from "../config/schema";
import { validateSettings } from "../config/validate";
import { purgeAppCacheScript } from "../host/purge-app-cache";
import { parseResults } from "../host/result";
import { readStackConfig } from "../io/pulumi-config";
import { runSsh } from "../io/ssh";
import { CONFIG_SOURCE_HELP, exitAfterFlush, parseCommandLine } from "./args";

const HELP = `Usage: npm run purge-app-cache -- [--stack NAME | --config-file FILE] --app APP --yes

Removes Dokku's own build caches of APP on the stack's host, once: herokuish's cache-APP
volume (through \`dokku repo:purge-cache APP\`) and its pack cache volumes (pack-cache-*,
which repo:purge-cache leaves). The app's next build starts cold. The shared caches
are not touched. Without --yes nothing runs.

${CONFIG_SOURCE_HELP}
  --app APP               the Dokku app
  --yes                   really purge
`;

/** `--app X` taken out of argv (the shared parser has no string options of its own). */
function takeApp(argv: string[]): { app?: string; rest: string[] } {
    const i = argv.indexOf("--app");
    if (i < 0) return { rest: argv };
    return { app: argv[i + 1], rest: [...argv.slice(0, i), ...argv.slice(i + 2)] };
}

async function main(argv: string[]): Promise<number> {
    const { app, rest } = takeApp(argv);
    const cl = parseCommandLine(rest, ["yes"] as const);
    if (cl.help) {
        process.stdout.write(HELP);
        return 0;
    }
    const bad = app === undefined ? "is required" : checkAppName(app);
    if (bad) throw new Error(`--app ${JSON.stringify(app ?? "")}: ${bad}`);
    if (!cl.flags.yes) throw new Error("refusing to purge without --yes (see --help)");
    const values = namespaceValues(readStackConfig(cl).values);
    const key = values[PRIVATE_KEY];
    if (!key) throw new Error(`${CONFIG_NAMESPACE}:${PRIVATE_KEY} is not set in the stack`);
    const settings = validateSettings({ ...rawFromValues(values), privateKey: key });
    const r = await runSsh(settings.connection, key, purgeAppCacheScript(app!));
    process.stderr.write(r.stderr);
    const res = parseResults(r.stdout)[0];
    if (res) process.stdout.write(JSON.stringify(res) + "\n");
    if (r.code === 0) return 0;
    if (r.code === 21) return 1;
    throw new Error(`app ${app}: purge failed (exit ${r.code})`);
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => exitAfterFlush(code),
        (e: unknown) => {
            process.stderr.write(
                `purge-app-cache: ${e instanceof Error ? e.message : String(e)}\n`,
            );
            exitAfterFlush(2);
        },
    );
}
