export { createGuardedFetch, type GuardedFetchOptions } from "./guarded-fetch.js";
export { installFetchGuard } from "./install.js";
export { guardDispatcher, guardInterceptor, type GuardDispatcherOptions, type GuardInterceptorOptions } from "./dispatcher.js";
export { decideRequest, httpAction, type RequestIdentity, type HttpRequestFacts } from "./decide.js";
export { FetchDeniedError } from "./errors.js";
