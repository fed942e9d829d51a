/**
 * The local known_hosts file that pins the host key for tools that take a
 * file rather than a key (the warm-up's Docker provider over ssh://).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { knownHostsLine } from "./ssh";

/** The file as its users see it: home-relative (ssh expands ~), so it is the same on every machine. */
export const KNOWN_HOSTS_FILE = "~/.dokku-shared-cache/known_hosts";

/** Adds the host's pinned key to {@link KNOWN_HOSTS_FILE} (once); returns that path. */
export function pinKnownHost(host: string, port: number, hostKey: string): string {
    const real = path.join(os.homedir(), ".dokku-shared-cache", "known_hosts");
    fs.mkdirSync(path.dirname(real), { recursive: true, mode: 0o700 });
    const line = knownHostsLine(host, port, hostKey);
    const cur = fs.existsSync(real) ? fs.readFileSync(real, "utf8") : "";
    if (!cur.split("\n").includes(line.trimEnd())) fs.appendFileSync(real, line);
    return KNOWN_HOSTS_FILE;
}
