import { expect } from "chai";
import { DOKKU_SSH_USER, connectionUserProblem } from "../../config/connection-rules";

describe("connection.user rules", () => {
    it('refuses "dokku" with the reason and the users that work', () => {
        const why = connectionUserProblem(DOKKU_SSH_USER);
        expect(why).to.be.a("string");
        expect(why).to.contain('must not be "dokku"');
        expect(why).to.contain("sshcommand's forced command");
        expect(why).to.contain('"dokku sh -s converge"');
        expect(why).to.contain(
            "Use root (the default), another account with root's rights (uid 0), or a user that may run /bin/sh through sudo with connection.sudo: true (docs/sudo.md)",
        );
        expect(why).to.match(/got "dokku"$/);
    });

    it("accepts root and other names (an account with uid 0 works)", () => {
        for (const u of ["root", "toor", "deploy", "dokku2", "_dokku", "Dokku"]) {
            expect(connectionUserProblem(u), u).to.equal(undefined);
        }
    });
});
