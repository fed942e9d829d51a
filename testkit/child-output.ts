/** A child process's exit code and whole output, once it has closed (tests run deploys beside a converge). */
import { ChildProcess } from "child_process";

export interface ChildOutput {
    code: number;
    stdout: string;
    stderr: string;
}

/** Collects `p`'s stdout and stderr (spawned with pipes) and resolves when it closes. */
export function childOutput(p: ChildProcess): Promise<ChildOutput> {
    let stdout = "";
    let stderr = "";
    p.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    p.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve) =>
        p.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr })),
    );
}
