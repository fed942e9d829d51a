/**
 * godotenv's round-trip rules in jq, for the converge and the probe: the twin of
 * rules/godotenv.ts (where the rules and the godotenv sources they were read in are),
 * checked against it on a 10,000-value corpus.
 */

import { JQ } from "./generated/scripts";

/**
 * The same rules in jq (1.6), for the converge script. Shared definitions;
 * `$ver` is the host's Dokku version ("" = unknown: both godotenv versions
 * are checked), `$app` the app. Checked against {@link envRoundTrip} on the
 * 10,000-value corpus (test/script/env-safety.test.ts). The programs are host/jq/env-*.jq.
 */
const ENV_JQ_DEFS = `\n${JQ["env-defs"]}\n`;

export const ENV_RULES_JQ = ENV_JQ_DEFS + JQ["env-rules"];

export const ENV_GUARD_JQ = `${ENV_JQ_DEFS}${JQ["env-guard"]}\n`;

export const ENV_UNREADABLE_JQ = `${ENV_JQ_DEFS}${JQ["env-unreadable"]}\n`;
