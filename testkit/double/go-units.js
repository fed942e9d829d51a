"use strict";
/*
 * Docker's size flags go through github.com/docker/go-units v0.5.0
 * RAMInBytes (size.go parseSize with binaryMap): every unit is binary and
 * case-insensitive ("20GB" = 20 GiB), a bare number is bytes, a space may
 * separate number and unit; the float product is truncated to int64.
 * strconv.ParseFloat's hex, Inf/NaN and underscore forms are not modelled
 * (they fail here); an out-of-range float is ParseFloat's range error; a
 * product beyond int64 converts as Go on amd64 does (CVTTSD2SI: the minimum
 * int64). Returns a BigInt, or an Error with go-units' message. Differential
 * test against the real go-units: test/script/size-units-diff.test.ts.
 */
/** Go's int64(f) for f >= 0 on amd64. */
function int64(f) {
    return f >= 2 ** 63 ? -(2n ** 63n) : BigInt(Math.trunc(f));
}
function ramInBytes(sizeStr) {
    let sep = -1;
    for (let i = sizeStr.length - 1; i >= 0; i--) {
        if ("01234567890. ".includes(sizeStr[i])) {
            sep = i;
            break;
        }
    }
    if (sep === -1) return new Error(`invalid size: '${sizeStr}'`);
    const num = sizeStr[sep] !== " " ? sizeStr.slice(0, sep + 1) : sizeStr.slice(0, sep);
    let sfx = sizeStr.slice(sep + 1);
    if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(num)) {
        return new Error(`strconv.ParseFloat: parsing ${JSON.stringify(num)}: invalid syntax`);
    }
    let size = Number(num);
    if (!Number.isFinite(size)) {
        return new Error(`strconv.ParseFloat: parsing ${JSON.stringify(num)}: value out of range`);
    }
    if (size < 0) return new Error(`invalid size: '${sizeStr}'`);
    const bad = () => new Error(`invalid suffix: '${sfx}'`);
    if (sfx.length === 0) return int64(size);
    if (sfx.length > 3) return bad();
    sfx = sfx.toLowerCase();
    if (sfx[0] === "b") return sfx.length > 1 ? bad() : int64(size);
    const mul = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 }[sfx[0]];
    if (mul === undefined) return bad();
    size *= mul;
    if ((sfx.length === 2 && sfx[1] !== "b") || (sfx.length === 3 && sfx.slice(1) !== "ib"))
        return bad();
    return int64(size);
}

module.exports = { ramInBytes };
