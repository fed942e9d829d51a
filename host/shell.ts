/**
 * POSIX shell quoting for the host scripts: the one quoting function lives in
 * rules/shell-quote.ts (pure, below the model: the Dockerfile lines use it too).
 */
export { shJoin, shQuote } from "../rules/shell-quote";
