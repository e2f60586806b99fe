// @trailguard/crewai is not implemented yet (issue #6). It deliberately exports nothing, so that no one can
// wire in a guard that does not guard. See README.md for what it will do.
export {};
