import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { emailKey } from "../api/schemas";
import { INVITE_TYPE } from "./resource-type";

/**
 * Why a declaration continues the stack's earlier record of its person. A declaration moved or renamed
 * without `aliases` has a new URN: the engine creates the new resource first and deletes the old one at
 * the end, and a create can only record what it finds. An accepted Owner the stack invited then looks
 * adopted (a later destroy leaves them Owner), and a pending invite's id is lost (nothing can revoke it).
 * The provider cannot tell that apart from a real adoption: it sees no other resource's state. The program
 * can, by reading the stack's last snapshot, and telling the engine that the two are one resource, as if
 * `aliases` named the old one. The engine then moves the record: no create, no delete, nothing sent.
 *
 * This runs in the program (and in the component provider, for other languages), never in the provider.
 */

/** An invite in the stack's last snapshot. */
export interface EarlierRecord {
  urn: string;
  email: string;
  organizationId: string;
}

/** A declaration of this program, with what it states as plain values (undefined: not known here). */
export interface Declaration {
  name: string;
  email: string | undefined;
  organizationId: string | undefined;
}

/**
 * The earlier record `declaration` continues: the pairing per person (email, ignoring case) of the one
 * record no declaration has with the one declaration that has no record. Anything less clear pairs
 * nothing, and the old delete then hands over (lifecycle `remove`): it writes nothing and warns.
 *
 * A declaration "has" a record when their names match. A URN is type chain plus name, and a parent's URN
 * is known only once the parent registers, which may wait on an invite (`dependsOn`): waiting for URNs
 * here could deadlock the program. Names are known at once, and a wrong guess only pairs nothing.
 */
export function continuedRecord(declaration: Declaration, declarations: Declaration[], records: EarlierRecord[]): string | undefined {
  if (declaration.email === undefined) return undefined;
  const person = emailKey(declaration.email);
  const ofPerson = records.filter((record) => emailKey(record.email) === person);
  const hasRecord = (d: Declaration) => ofPerson.some((record) => nameOf(record.urn) === d.name);
  if (hasRecord(declaration)) return undefined;
  const declared = new Set(declarations.map((d) => d.name));
  const sameOrganization = (d: Declaration, record: EarlierRecord) =>
    d.organizationId === undefined || d.organizationId === record.organizationId;
  const orphans = ofPerson.filter((record) => !declared.has(nameOf(record.urn)) && sameOrganization(declaration, record));
  if (orphans.length !== 1) return undefined;
  const claimants = declarations.filter(
    (d) => d.email !== undefined && emailKey(d.email) === person && !hasRecord(d) && sameOrganization(d, orphans[0]),
  );
  return claimants.length === 1 && claimants[0] === declaration ? orphans[0].urn : undefined;
}

function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** The builtin invoke's answer: URN -> the resource's type and outputs. */
const SnapshotSchema = z.object({
  outputs: z.record(z.string(), z.object({ type: z.string(), outputs: z.record(z.string(), z.unknown()).optional() })).optional(),
});
const RecordSchema = z.object({ email: z.string(), organizationId: z.string() });

/** The invites among the snapshot's resources (one that does not read as an invite is no one's record). */
export function earlierRecords(answer: unknown): EarlierRecord[] {
  const resources = SnapshotSchema.safeParse(answer).data?.outputs ?? {};
  return Object.entries(resources).flatMap(([urn, { type, outputs }]) => {
    const record = type === INVITE_TYPE ? RecordSchema.safeParse(outputs).data : undefined;
    return record ? [{ urn, ...record }] : [];
  });
}

// ---- the program's side: one snapshot read and one list of declarations per run ---------------------

interface Run {
  declarations: Declaration[];
  records: Promise<EarlierRecord[]>;
}

/** Per run of the program: an Automation API process runs its inline program once per operation. */
const runs = new WeakMap<object, Run>();
const NO_ENGINE = {};

/**
 * The alias that makes this declaration continue its person's earlier record: that record's URN, or, when
 * there is none to continue, the resource itself (an alias with nothing set, which the engine reads as
 * the resource's own URN).
 */
export function continuityAlias(declaration: Declaration): pulumi.Output<string | pulumi.Alias> {
  const run = currentRun();
  run.declarations.push(declaration);
  // Read after the snapshot call returns: by then the program's synchronous declarations are all listed.
  return pulumi.output(run.records.then((records) => continuedRecord(declaration, run.declarations, records) ?? {}));
}

function currentRun(): Run {
  const key = pulumi.runtime.getMonitor() ?? NO_ENGINE;
  let run = runs.get(key);
  if (!run) {
    run = { declarations: [], records: readSnapshot() };
    runs.set(key, run);
  }
  return run;
}

/** The stack's own last snapshot, through the engine's builtin `readStackResourceOutputs`. */
async function readSnapshot(): Promise<EarlierRecord[]> {
  let failure: unknown;
  for (const stackName of stackNames()) {
    try {
      return earlierRecords(await pulumi.runtime.invoke("pulumi:pulumi:readStackResourceOutputs", { stackName }));
    } catch (error) {
      failure = error;
    }
  }
  await pulumi.log.warn(
    `Could not read this stack's last snapshot (${failure instanceof Error ? failure.message : String(failure)}): an invite moved or ` +
      "renamed without `aliases` is handed over to its new declaration instead of continued, and its warning says what is lost.",
  );
  return [];
}

/** Project-scoped backends name a stack organization/project/stack; older file backends by its name alone. */
function stackNames(): string[] {
  try {
    return [`${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`, pulumi.getStack()];
  } catch {
    // A program under test mocks may have no organization.
    return [pulumi.getStack()];
  }
}
