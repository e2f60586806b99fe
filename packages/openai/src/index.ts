export { decideCall, decideAction, actionDeniedFrom, parseArguments, toolAction, recordOutput, type GuardCallOptions, type CallVerdict, type FunctionCallRequest } from "./action.js";
export { guardToolCalls, toolResultMessage, guardRunTools, type GuardedToolCalls, type RunnableTool } from "./chat.js";
