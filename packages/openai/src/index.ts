export { decideCall, decideAction, actionDeniedFrom, parseArguments, toolAction, recordOutput, type GuardCallOptions, type CallVerdict, type FunctionCallRequest } from "./action.js";
export { guardToolCalls, toolResultMessage, guardRunTools, type GuardedToolCalls, type RunnableTool } from "./chat.js";
export { guardFunctionCalls, functionCallOutput, type GuardedFunctionCalls, type ResponsesToolCall, type ResponsesCallOutput } from "./responses.js";
export { guardRequiredAction, submitGuardedToolOutputs, type AssistantRunOptions, type AssistantTool, type GuardedRequiredAction } from "./assistants.js";
