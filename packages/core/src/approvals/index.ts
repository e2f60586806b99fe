// The browser-safe surface of approvals. The console approver is Node only: import it from
// ./console-approver-node.js (the Node entry), never from here.
export type {
  ApprovalAnswer,
  ApprovalCode,
  ApprovalOutcome,
  ApprovalRecord,
  ApprovalRequest,
  ApprovalState,
  ApprovalTransition,
  Approver,
} from "./types.js";
export {
  createApprovalDesk,
  DEFAULT_APPROVAL_TIMEOUT_MS,
  type ApprovalDesk,
  type ApprovalDeskOptions,
  type ApprovalRequestFields,
} from "./desk.js";
export { callbackApprover, type ApprovalCallback } from "./approvers.js";
export { webhookApprover, type WebhookApproverOptions } from "./webhook-approver.js";
export { checkAnswer, type CheckedAnswer } from "./answer.js";
