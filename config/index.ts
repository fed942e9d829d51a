/**
 * The stack configuration: the closed sets of values (choices.ts), types (types.ts, derived
 * from the schema), defaults (defaults.ts), reading
 * the raw values (raw.ts), the schema (schema.ts) and {@link validateSettings}.
 */
export * from "./defaults";
export * from "./raw";
export * from "./schema";
export * from "./choices";
export * from "./types";
export * from "./validate";
export * from "./fleet";
