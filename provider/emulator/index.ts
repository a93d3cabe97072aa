/**
 * `pulumi-astro-invites/emulator`: the local Astro API emulator, for tests and offline CI. Its own entry
 * point, so that a program using the resources never loads it.
 */
export { startEmulator, Emulator, EmulatorOptions, RequestLogEntry } from "./server";
export type { FaultKind, FaultRule } from "./faults";
export type { Switches } from "./state";
