import type { Allowed, Reported } from "./allow";
import { FINDING_KINDS, Grant, grantsOwner } from "./findings";

export const AUDIT_FORMATS = ["text", "markdown", "json"] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

/** What `--fail-on` gates on: any unmanaged Organization or Workspace Owner, or any finding at all. */
export const FAIL_ON = ["owner", "any"] as const;
export type FailOn = (typeof FAIL_ON)[number];

/**
 * The audit's result, and the documented shape of `--format json` (REPORT_VERSION changes when a field
 * changes meaning or goes away; new fields may be added within a version).
 */
export const REPORT_VERSION = 1;
export interface AuditReport {
  version: typeof REPORT_VERSION;
  organizationId: string;
  auditedAt: string;
  /** The stacks and state files read, and how many people and Teams each declares in this organization. */
  sources: { source: string; people: number; teams: number }[];
  /** False when something could not be read (notAudited): the findings are then a lower bound. */
  complete: boolean;
  notAudited: string[];
  findings: Reported[];
  allowed: (Allowed["finding"] & { allowedBy: { line: number; until?: string; reason: string } })[];
  summary: { findings: number; owners: number; allowed: number };
}

export function buildReport(
  parts: Omit<AuditReport, "version" | "complete" | "summary" | "allowed"> & { allowed: Allowed[] },
): AuditReport {
  return {
    version: REPORT_VERSION,
    ...parts,
    complete: parts.notAudited.length === 0,
    allowed: parts.allowed.map(({ finding, entry }) => ({
      ...finding,
      allowedBy: { line: entry.line, until: entry.until, reason: entry.reason },
    })),
    summary: { findings: parts.findings.length, owners: parts.findings.filter(grantsOwner).length, allowed: parts.allowed.length },
  };
}

/** The findings `--fail-on` fails on. */
export function gated(report: AuditReport, failOn: FailOn | undefined): Reported[] {
  if (failOn === undefined) return [];
  return failOn === "any" ? report.findings : report.findings.filter(grantsOwner);
}

export function renderReport(report: AuditReport, format: AuditFormat): string {
  if (format === "json") return `${JSON.stringify(report, null, 2)}\n`;
  return format === "markdown" ? markdown(report) : text(report);
}

function grantText(grant: Grant): string {
  const deployment = grant.deployment ?? grant.deploymentId;
  if (grant.dag) return `${grant.role} on ${grant.dag} of ${deployment}`;
  if (deployment) return `${grant.role} on ${deployment}`;
  return grant.workspaceId ? `${grant.role} in ${grant.workspace ?? grant.workspaceId}` : grant.role;
}
const access = (finding: Reported) =>
  [
    ...finding.grants.map(grantText),
    ...(finding.members ? [`${finding.members.length} member${finding.members.length === 1 ? "" : "s"}`] : []),
  ].join(", ");
const label = (finding: Reported) =>
  `${finding.kind === "team" ? `Team ${finding.who}` : finding.who}${finding.status === "PENDING" ? " (pending)" : ""}`;
const expired = (finding: Reported) =>
  finding.allowExpired ? ` The allow entry on line ${finding.allowExpired.line} expired ${finding.allowExpired.until}.` : "";

function headline(report: AuditReport): string {
  const { findings, owners, allowed } = report.summary;
  const found =
    findings === 0
      ? "no access outside code"
      : `${findings} finding${findings === 1 ? "" : "s"}${owners ? `, ${owners} with Owner access` : ""}`;
  return `${found}${allowed ? `; ${allowed} allowed` : ""}${report.complete ? "" : "; INCOMPLETE: some access could not be read"}`;
}

function text(report: AuditReport): string {
  const lines = [
    `Astro organization ${report.organizationId}, audited ${report.auditedAt} against ${report.sources.map((s) => `${s.source} (${s.people})`).join(", ")}`,
    headline(report),
  ];
  for (const kind of Object.keys(FINDING_KINDS) as (keyof typeof FINDING_KINDS)[]) {
    const ofKind = report.findings.filter((finding) => finding.kind === kind);
    if (ofKind.length === 0) continue;
    lines.push("", `${FINDING_KINDS[kind]}:`);
    for (const finding of ofKind) {
      lines.push(`  ${label(finding)}: ${access(finding)}`, `    ${finding.why}.${expired(finding)}`, `    fix: ${finding.fix}`);
    }
  }
  if (report.allowed.length) {
    lines.push(
      "",
      "allowed (--allow):",
      ...report.allowed.map(
        (a) =>
          `  ${a.kind === "team" ? `Team ${a.who}` : a.who}: ${a.allowedBy.reason}${a.allowedBy.until ? ` (until ${a.allowedBy.until})` : ""}`,
      ),
    );
  }
  if (report.notAudited.length) lines.push("", "not audited:", ...report.notAudited.map((line) => `  ${line}`));
  return `${lines.join("\n")}\n`;
}

const cell = (value: string) => value.replace(/\|/g, "\\|").replace(/\n/g, " ");

function markdown(report: AuditReport): string {
  const lines = [
    "## Astro access no code declares",
    "",
    `**${headline(report)}**, in organization \`${report.organizationId}\` (audited ${report.auditedAt} against ${report.sources.map((s) => `${s.source}: ${s.people} declared`).join("; ")}).`,
  ];
  if (!report.complete)
    lines.push(
      "",
      "> [!WARNING]",
      "> Not everything could be read, so this is not a clean bill:",
      ...report.notAudited.map((line) => `> - ${cell(line)}`),
    );
  if (report.findings.length) {
    lines.push("", "| finding | who | access | why | how to bring it under code |", "| --- | --- | --- | --- | --- |");
    for (const finding of report.findings) {
      lines.push(
        `| ${finding.kind} | ${cell(label(finding))} | ${cell(access(finding))} | ${cell(`${finding.why}.${expired(finding)}`)} | ${cell(finding.fix)} |`,
      );
    }
  }
  if (report.allowed.length) {
    lines.push("", "<details><summary>Allowed exceptions</summary>", "", "| who | reason | until |", "| --- | --- | --- |");
    for (const allowed of report.allowed)
      lines.push(`| ${cell(allowed.who)} | ${cell(allowed.allowedBy.reason)} | ${allowed.allowedBy.until ?? ""} |`);
    lines.push("", "</details>");
  }
  return `${lines.join("\n")}\n`;
}
