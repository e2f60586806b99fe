export { guardCrew, type GuardCrewOptions, type GuardedCrew, type CrewAgent, type CrewToolBody, type HandOff } from "./crew.js";
export { DELEGATE_WORK, ASK_QUESTION } from "./action.js";
export type { DecideOptions } from "./decide.js";
export { guardKaibanTeam, type GuardKaibanOptions, type KaibanTeam } from "./kaibanjs.js";
