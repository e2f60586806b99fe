// The browser bundle's entry (`@trailguard/fetch/browser`, built into one ESM file with the engine
// inline): core's browser API and the guarded fetch, without the Node-only undici dispatcher.
export * from "@trailguard/core";
export { createGuardedFetch, type GuardedFetchOptions } from "./guarded-fetch.js";
export { installFetchGuard } from "./install.js";
export { decideRequest, httpAction, type RequestIdentity, type HttpRequestFacts } from "./decide.js";
export { FetchDeniedError } from "./errors.js";
