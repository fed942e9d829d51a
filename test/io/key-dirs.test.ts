import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { KEY_DIR_PREFIX, removeOrphanKeyDirs } from "../../io/ssh";

describe("ssh key folders of killed runs", () => {
    it("removes the folders of dead processes only, keeping live ones and other files", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "dsc-keydirs-"));
        try {
            const dead = spawnSync("true").pid!; // exited: its pid names no process now
            const mine = `${KEY_DIR_PREFIX}${process.pid}-aaaaaa`;
            const orphan = `${KEY_DIR_PREFIX}${dead}-bbbbbb`;
            const other = "dsc-ssh-notapid";
            for (const d of [mine, orphan, other]) {
                fs.mkdirSync(path.join(tmp, d));
                fs.writeFileSync(path.join(tmp, d, "id"), "key", { mode: 0o600 });
            }
            expect(removeOrphanKeyDirs(tmp)).to.deep.equal([orphan]);
            expect(fs.readdirSync(tmp).sort()).to.deep.equal([mine, other].sort());
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    });
});
