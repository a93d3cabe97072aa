import type { AstroClient } from "../api/client";
import { AllowEntry, applyAllow } from "./allow";
import type { StackDeclarations } from "./declarations";
import { findings } from "./findings";
import { readOrganization } from "./organization";
import { AuditReport, buildReport } from "./report";

export interface AuditInput {
  client: AstroClient;
  organizationId: string;
  /** What the stacks declare, each already read. */
  stacks: StackDeclarations[];
  allow: AllowEntry[];
  now: Date;
  say: (line: string) => void;
}

/** The organization read at list cost, held against what the stacks declare and what the allow file accepts. */
export async function audit(input: AuditInput): Promise<AuditReport> {
  const access = await readOrganization(input.client, input.organizationId, input.say);
  const declared = { people: input.stacks.flatMap((stack) => stack.people), teams: input.stacks.flatMap((stack) => stack.teams) };
  const { reported, allowed } = applyAllow(findings(access, declared, input.organizationId), input.allow, input.now);
  return buildReport({
    organizationId: input.organizationId,
    auditedAt: input.now.toISOString(),
    sources: input.stacks.map((stack) => ({
      source: stack.source,
      people: stack.people.filter((person) => person.organizationId === input.organizationId).length,
      teams: stack.teams.filter((team) => team.organizationId === input.organizationId).length,
    })),
    notAudited: [...input.stacks.flatMap((stack) => stack.unreadable), ...access.notAudited],
    findings: reported,
    allowed,
  });
}
