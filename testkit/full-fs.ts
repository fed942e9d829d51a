/**
 * Full file systems for tests: small tmpfs mounts (root only; a test skips without
 * CAP_SYS_ADMIN), filled to the last byte, and their free bytes as `df` reports them.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";

/** Runs a command; its exit code and stderr. */
export function sh(cmd: string, args: string[]): { code: number; err: string } {
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    return { code: r.status ?? -1, err: r.stderr };
}

/** Whether this process may mount a tmpfs (tries one in a temp dir). */
export function canMountTmpfs(): boolean {
    const probe = fs.mkdtempSync("/tmp/dsc-mount-probe-");
    const can = sh("mount", ["-t", "tmpfs", "-o", "size=4k", "tmpfs", probe]).code === 0;
    if (can) sh("umount", [probe]);
    fs.rmSync(probe, { recursive: true });
    return can;
}

/** Mounts a tmpfs of `size` (e.g. "16m", or "size=1m,nr_inodes=2" options) at `dir`. */
export function mountTmpfs(dir: string, options: string): void {
    fs.mkdirSync(dir, { recursive: true });
    const r = sh("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]);
    if (r.code !== 0) throw new Error(r.err);
}

/**
 * Fills the file system holding `dir` until a write fails: one filler file, then 4 KiB files
 * until one fails, twice after a sync (ext4's delayed allocation gives back reserved blocks).
 */
export function fill(dir: string): void {
    spawnSync("/bin/sh", [
        "-c",
        'cat /dev/zero > "$1/filler" 2>/dev/null; sync; i=0; for pass in 1 2; do while head -c 4096 /dev/zero > "$1/fill.$i" 2>/dev/null; do i=$((i + 1)); done; rm -f "$1/fill.$i"; sync; done; exit 0',
        "sh",
        dir,
    ]);
}

/** Bytes free on the file system holding `dir` (df's Avail). */
export function availBytes(dir: string): number {
    const r = spawnSync("df", ["-P", "-B1", dir], { encoding: "utf8" });
    return Number(r.stdout.split("\n")[1].trim().split(/\s+/)[3]);
}
