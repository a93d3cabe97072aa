import { execFileSync, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

const REPO = resolve(__dirname, "../..");

let cliPath: string | undefined;

/** The pulumi CLI, with YAML's and Python's hosts beside it (built and cached on first use; the build prints its progress). */
export function pulumiCli(): string {
  cliPath ??= execFileSync("bash", [join(REPO, "scripts/pulumi-cli.sh"), "--yaml", "--python"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  return cliPath;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for assertions on what a user would see. */
  output: string;
}

export interface State {
  resources: { urn: string; type: string; id?: string; inputs: Record<string, unknown>; outputs: Record<string, unknown> }[];
}

/**
 * An isolated, offline Pulumi project and stack: a copy of a program under .pulumi-test/ (inside the
 * repository, so that it resolves this package and @pulumi/pulumi like a user's project would), a file
 * backend and PULUMI_HOME in a temporary directory, a passphrase secrets provider, no update checks and
 * no plugin downloads.
 */
export class PulumiWorkspace {
  readonly projectDir: string;
  private readonly home: string;
  /** What every pulumi command runs with (an offline backend and home of its own): for tools that call pulumi themselves. */
  readonly env: Record<string, string>;
  private readonly copied: boolean;
  private readonly configFile: string;

  /**
   * `inPlace` runs the project where it is (the repository root's Pulumi.yaml) with its stack config in
   * the temporary directory, leaving the working tree clean; otherwise the program is copied.
   */
  constructor(
    programDir: string,
    readonly stack = "test",
    options: { inPlace?: boolean; echo?: boolean } = {},
  ) {
    this.copied = !options.inPlace;
    if (this.copied) {
      mkdirSync(join(REPO, ".pulumi-test"), { recursive: true });
      this.projectDir = mkdtempSync(join(REPO, ".pulumi-test", "project-"));
      cpSync(programDir, this.projectDir, { recursive: true });
    } else {
      this.projectDir = programDir;
    }
    this.echo = options.echo ?? false;
    this.home = mkdtempSync(join(tmpdir(), "pulumi-home-"));
    this.configFile = join(this.home, `Pulumi.${stack}.yaml`);
    mkdirSync(join(this.home, "backend"));
    const cli = pulumiCli();
    const { ASTRO_API_TOKEN: _t, ASTRO_ORGANIZATION_ID: _o, ASTRO_API_URL: _u, ...inherited } = process.env as Record<string, string>;
    this.env = {
      ...inherited,
      PATH: `${dirname(cli)}:${process.env.PATH}`,
      PULUMI_HOME: join(this.home, "home"),
      // metadata=skip: the file backend otherwise writes a `.attrs` sidecar beside each checkpoint by
      // truncating it and then writing (gocloud's fileblob), so a CLI killed in between (the fault suite
      // does that) leaves it empty and every later command fails with "failed to load checkpoint: EOF".
      PULUMI_BACKEND_URL: `file://${join(this.home, "backend")}?metadata=skip`,
      PULUMI_CONFIG_PASSPHRASE: "pulumi-astro-invites-tests",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_SKIP_CONFIRMATIONS: "true",
      NO_COLOR: "1",
    };
  }

  private readonly echo: boolean;

  /** Runs `pulumi args...` in the project; by default a non-zero exit throws with the output. */
  async run(
    args: string[],
    options: { allowFailure?: boolean; env?: Record<string, string>; onSpawn?: (pid: number) => void; quiet?: boolean } = {},
  ): Promise<RunResult> {
    const echo = this.echo && !options.quiet;
    const child = spawn(pulumiCli(), ["--non-interactive", ...this.stackFlags(args), ...args], {
      cwd: this.projectDir,
      env: { ...this.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (child.pid && options.onSpawn) options.onSpawn(child.pid);
    let stdout = "";
    let stderr = "";
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
      output += chunk;
      if (echo) process.stdout.write(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
      output += chunk;
      if (echo) process.stderr.write(chunk);
    });
    const code = await new Promise<number>((done) => child.on("close", (exit) => done(exit ?? 1)));
    if (code !== 0 && !options.allowFailure) {
      throw new Error(`pulumi ${args.join(" ")} exited with ${code}:\n${output}`);
    }
    return { code, stdout, stderr, output };
  }

  /** Stack config lives outside the project, so that runs in place leave the project untouched. */
  private stackFlags(args: string[]): string[] {
    return ["config", "preview", "up", "refresh", "destroy"].includes(args[0]) ? ["--config-file", this.configFile] : [];
  }

  async init(config: Record<string, string>, secrets: Record<string, string> = {}): Promise<void> {
    await this.run(["stack", "init", this.stack]);
    // stack init writes the secrets salt into the project's Pulumi.<stack>.yaml: keep it with the rest.
    renameSync(join(this.projectDir, `Pulumi.${this.stack}.yaml`), this.configFile);
    for (const [key, value] of Object.entries(config)) await this.setConfig(key, value);
    for (const [key, value] of Object.entries(secrets)) await this.setConfig(key, value, true);
  }

  async setConfig(key: string, value: string, secret = false): Promise<void> {
    await this.run(["config", "set", ...(secret ? ["--secret"] : ["--plaintext"]), key, "--", value]);
  }

  async removeConfig(key: string): Promise<void> {
    await this.run(["config", "rm", key]);
  }

  /** `pulumi stack export`, as text (for searching) and parsed. */
  async exportState(): Promise<{ text: string; state: State }> {
    // Never echoed: a demo shows the few fields that matter, not hundreds of lines of state.
    const { stdout } = await this.run(["stack", "export"], { quiet: true });
    return { text: stdout, state: JSON.parse(stdout).deployment as State };
  }

  /** Our invites in the state, by resource name. */
  async invites(): Promise<Record<string, { id?: string; inputs: Record<string, unknown>; outputs: Record<string, unknown> }>> {
    const { state } = await this.exportState();
    return Object.fromEntries(
      (state.resources ?? [])
        .filter((r) => r.type === "pulumi-nodejs:dynamic/astro:OrganizationUserInvite")
        .map((r) => [r.urn.split("::").pop()!, r]),
    );
  }

  dispose(): void {
    if (this.copied) rmSync(this.projectDir, { recursive: true, force: true });
    rmSync(this.home, { recursive: true, force: true });
  }
}

/** The program the bench and the bulk suites run: a whole team from the team file named by config "file". */
export const TEAM_PROGRAM = join(REPO, "scripts/programs/team");
export const REPO_ROOT = REPO;
