/**
 * The names pack gives the cache volumes of a Dokku app (buildpacks/pack v0.40.5
 * pkg/cache/volume_cache.go NewVolumeCache: `pack-cache-<sanitizedRef>-<12 hex>.<build|launch|
 * kaniko>` through internal/paths FilterReservedNames; Dokku v0.38.27 builder-pack builds
 * `dokku/<app>:latest`), matched per app by the purge (grep -E, as the purge script does) and
 * mapped back to the app by the accounting.
 */
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import { packAppPart, packVolumeApp, packVolumeRe } from "../../rules/pack-volumes";
import { volumeOwner } from "../../report/host-report";

/** The 12 hex digits pack derives from the image name and the host's volume key. */
const hex = (app: string) =>
    crypto
        .createHash("sha256")
        .update(`index.docker.io/dokku/${app}:latest` + "volumekeyvolumekeyvo")
        .digest("hex")
        .slice(0, 12);

// Spelled out by hand from FilterReservedNames (aux com con lpt nul prn → a_u_x …).
const VOLUMES = {
    web: [`pack-cache-dokku_web_latest-${hex("web")}.build`],
    console: [
        `pack-cache-dokku_c_o_nsole_latest-${hex("console")}.build`,
        `pack-cache-dokku_c_o_nsole_latest-${hex("console")}.launch`,
        `pack-cache-dokku_c_o_nsole_latest-${hex("console")}.kaniko`,
    ],
    "console-2": [`pack-cache-dokku_c_o_nsole-2_latest-${hex("console-2")}.build`],
    "my.auxprnul": [`pack-cache-dokku_my.a_u_xp_r_n_u_l_latest-${hex("my.auxprnul")}.build`],
    myxauxprnul: [`pack-cache-dokku_myxa_u_xp_r_n_u_l_latest-${hex("myxauxprnul")}.build`],
};
const ALL = [
    ...Object.values(VOLUMES).flat(),
    "cache-console",
    "pgdata",
    "pack-cache-other_x_latest-0123456789ab.build",
];

describe("pack cache volume names of Dokku apps", () => {
    it("packAppPart spells reserved names out as pack does", () => {
        expect(packAppPart("console")).to.equal("c_o_nsole");
        expect(packAppPart("web")).to.equal("web");
        expect(packAppPart("auxprnul")).to.equal("a_u_xp_r_n_u_l");
    });

    for (const [app, own] of Object.entries(VOLUMES)) {
        it(`the purge's regex takes exactly ${app}'s volumes (grep -E)`, () => {
            const out = execFileSync("grep", ["-E", packVolumeRe(app)], {
                input: ALL.join("\n") + "\n",
            }).toString();
            expect(out.trim().split("\n")).to.deep.equal(own);
        });
        it(`the accounting maps ${app}'s volumes back to ${app}`, () => {
            for (const v of own) {
                expect(packVolumeApp(v)).to.equal(app);
                expect(volumeOwner(v)).to.deep.equal({ kind: "pack", app });
            }
        });
    }

    it("a pack volume of something else has no app", () => {
        expect(volumeOwner("pack-cache-other_x_latest-0123456789ab.build")).to.deep.equal({
            kind: "pack",
            app: null,
        });
        expect(packVolumeApp("pack-cache-dokku_web_latest-0123.build")).to.equal(null);
    });
});
