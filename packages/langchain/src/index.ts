export { trailguardMiddleware, type TrailguardMiddlewareOptions } from "./middleware.js";
export { TrailguardCallbackHandler, type TrailguardCallbackOptions } from "./callback.js";
export { guardTool, type GuardToolOptions, type InvokableTool } from "./tool.js";
export { deniedBy } from "./denied.js";
export type { ActionOptions } from "./action.js";
export type { DecideOptions } from "./decide.js";
