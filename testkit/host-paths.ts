/** The host paths a test host keeps inside its temp root (daemon.json, systemd, cron). */
import * as path from "path";
import { HostPathsSpec } from "../config";

export function hostPathsUnder(root: string): HostPathsSpec {
    return {
        daemonJson: path.join(root, "etc/docker/daemon.json"),
        systemdUnitDir: path.join(root, "etc/systemd/system"),
        systemdRunDir: path.join(root, "run/systemd/system"),
        cronDir: path.join(root, "etc/cron.d"),
        dokkuRoot: path.join(root, "home/dokku"),
    };
}
