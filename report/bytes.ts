/** Byte counts as people read them (decimal units, as Docker and `du` print them). */

/** `1234567890` → `1.23 GB` (decimal, like Docker). */
export function humanBytes(n: number | null): string {
    if (n === null) return "?";
    const units = ["B", "kB", "MB", "GB", "TB", "PB"];
    let i = 0;
    let v = n;
    while (v >= 1000 && i < units.length - 1) {
        v /= 1000;
        i++;
    }
    return i === 0 ? `${v} B` : `${v.toFixed(2)} ${units[i]}`;
}
