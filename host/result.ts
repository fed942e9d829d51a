/**
 * The one machine-readable line every host script prints, and its parser.
 */

/** Stdout line prefix of the machine-readable summary each script prints. */
export const RESULT_MARKER = "DOKKU_SHARED_CACHE_RESULT ";

/** Parses the summary lines a script printed. */
export function parseResults(stdout: string): Record<string, unknown>[] {
    return stdout
        .split("\n")
        .filter((l) => l.startsWith(RESULT_MARKER))
        .map((l) => JSON.parse(l.slice(RESULT_MARKER.length)) as Record<string, unknown>);
}
