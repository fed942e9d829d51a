/**
 * The stack configuration: types (types.ts), defaults (defaults.ts), reading
 * the raw values (raw.ts), the schema (schema.ts) and {@link validateSettings}.
 */
export * from "./defaults";
export * from "./raw";
export * from "./schema";
export * from "./types";
export * from "./validate";
export * from "./fleet";
