/**
 * connection.sudo's pure parts: the command texts, the sudoers line and the
 * explanation added when sudo refuses (texts as the real sudo 1.9.13p3 prints
 * them; test/io/sudo.ssh.test.ts sees them over SSH).
 */
import { expect } from "chai";
import { validateSettings } from "../../config";
import { RUN_CONVERGE, RUN_REMOVE, RUN_SCRIPT } from "../../host/stdin-script";
import { SUDO_COMMANDS, asRoot, sudoRefusal, sudoersLine } from "../../host/sudo";
import { problems, validRaw } from "../fixtures/settings";

describe("connection.sudo", () => {
    it("prefixes every command text with sudo -n only when set", () => {
        expect(asRoot(RUN_CONVERGE, true)).to.equal("sudo -n sh -s converge");
        expect(asRoot(`${RUN_CONVERGE} 3`, true)).to.equal("sudo -n sh -s converge 3");
        expect(asRoot(RUN_REMOVE, true)).to.equal("sudo -n sh -s remove");
        expect(asRoot(RUN_SCRIPT, true)).to.equal("sudo -n sh -s");
        for (const off of [false, undefined])
            expect(asRoot(RUN_CONVERGE, off)).to.equal("sh -s converge");
    });

    it("gives the sudoers line allowing exactly the four texts as root, without a password", () => {
        expect(sudoersLine("deploy")).to.equal(
            "deploy ALL=(root) NOPASSWD: /bin/sh -s, /bin/sh -s converge, /bin/sh -s converge *, /bin/sh -s remove",
        );
        expect(SUDO_COMMANDS).to.have.length(4);
    });

    it("names the sudoers line for each way sudo refuses, and nothing else", () => {
        for (const stderr of [
            "sudo: a password is required\n",
            "sudo: deploy is not in the sudoers file.  This incident will be reported.\n",
            "sudo: sorry, you must have a tty to run sudo\n",
            "Sorry, user deploy is not allowed to execute '/bin/sh -s' as root on h.\n",
            "sh: 1: sudo: not found\n",
            "bash: sudo: command not found\n",
        ]) {
            const why = sudoRefusal("deploy", stderr);
            expect(why, stderr).to.be.a("string");
            expect(why).to.contain(sudoersLine("deploy"));
            expect(why).to.contain("connection.sudo is true");
            expect(why).to.contain(JSON.stringify(stderr.trim()));
        }
        for (const stderr of [
            "",
            "dokku-shared-cache: app api: restart failed\n",
            "Permission denied\n",
        ]) {
            expect(sudoRefusal("deploy", stderr), stderr).to.equal(undefined);
        }
    });

    it("is a boolean stack key, absent from the settings unless true; dokku stays refused", () => {
        const raw = validRaw();
        const c = raw.connection as Record<string, unknown>;
        expect(validateSettings(raw).connection).not.to.have.property("sudo");
        expect(
            validateSettings({ ...raw, connection: { ...c, sudo: false } }).connection,
        ).not.to.have.property("sudo");
        expect(
            validateSettings({ ...raw, connection: { ...c, user: "deploy", sudo: true } })
                .connection,
        ).to.deep.include({ user: "deploy", sudo: true });
        const bad = problems({ ...raw, connection: { ...c, sudo: "yes" } });
        expect(bad.map((e) => [e.propertyPath, e.reason])).to.deep.equal([
            ["dokku-shared-cache:connection.sudo", 'must be true or false; got "yes"'],
        ]);
        const dokku = problems({ ...raw, connection: { ...c, user: "dokku", sudo: true } });
        expect(dokku.map((e) => e.propertyPath)).to.deep.equal([
            "dokku-shared-cache:connection.user",
        ]);
    });
});
