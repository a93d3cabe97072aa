import { ChildProcess, spawn } from "node:child_process";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as pulumi from "@pulumi/pulumi";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as proto from "@pulumi/pulumi/proto/provider_pb";
import invitesProvider = require("../../provider/invite/shim");

export const TYPE = "pulumi-nodejs:dynamic/astro:OrganizationUserInvite";
const urn = (name: string) => `urn:pulumi:test::astro-test::${TYPE}::${name}`;

type Props = Record<string, unknown>;

/**
 * The real dynamic-provider host from @pulumi/pulumi, spawned as the engine spawns it, driven over gRPC.
 * Every request carries the serialized provider, as the engine's do.
 */
export class ProviderHost {
  private constructor(
    private readonly child: ChildProcess,
    private readonly client: ResourceProviderClient,
    readonly providerText: string,
    readonly stderr: string[],
  ) {}

  static async start(env: Record<string, string | undefined> = {}): Promise<ProviderHost> {
    const providerText = (await pulumi.runtime.serializeFunction(() => invitesProvider, { allowSecrets: true })).text;
    const { ASTRO_API_TOKEN: _token, ASTRO_ORGANIZATION_ID: _org, ASTRO_API_URL: _url, ...base } = process.env;
    const child = spawn(process.execPath, [require.resolve("@pulumi/pulumi/cmd/dynamic-provider"), "127.0.0.1:1"], {
      cwd: process.cwd(),
      env: { ...base, PULUMI_NODEJS_PROJECT: "astro-test", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stderr: string[] = [];
    child.stderr!.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
    const port = await new Promise<string>((resolve, reject) => {
      child.stdout!.once("data", (chunk: Buffer) => resolve(chunk.toString().trim().split("\n")[0]));
      child.once("exit", (code) => reject(new Error(`dynamic-provider host exited with ${code}: ${stderr.join("")}`)));
    });
    const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return new ProviderHost(child, client, providerText, stderr);
  }

  stop(): void {
    this.client.close();
    this.child.kill();
  }

  private withProvider(props: Props): Struct {
    return Struct.fromJavaScript({ ...props, __provider: this.providerText } as never);
  }

  private unary<Req, Res>(
    method: (req: Req, callback: (error: grpc.ServiceError | null, res: Res) => void) => unknown,
    req: Req,
  ): Promise<Res> {
    return new Promise((resolve, reject) => method.call(this.client, req, (error, res) => (error ? reject(error) : resolve(res))));
  }

  async configure(config: Record<string, string>): Promise<void> {
    const req = new proto.ConfigureRequest();
    req.setArgs(Struct.fromJavaScript(config));
    req.setAcceptsecrets(true);
    await this.unary(this.client.configure, req);
  }

  async check(news: Props, olds: Props = {}): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }> {
    const req = new proto.CheckRequest();
    req.setUrn(urn("invite"));
    req.setOlds(this.withProvider(olds));
    req.setNews(this.withProvider(news));
    const res = await this.unary<proto.CheckRequest, proto.CheckResponse>(this.client.check, req);
    return {
      inputs: res.getInputs()!.toJavaScript() as Props,
      failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async diff(id: string, olds: Props, news: Props): Promise<{ changes: string; replaces: string[]; deleteBeforeReplace: boolean }> {
    const req = new proto.DiffRequest();
    req.setId(id);
    req.setUrn(urn("invite"));
    req.setOlds(this.withProvider(olds));
    req.setNews(this.withProvider(news));
    const res = await this.unary<proto.DiffRequest, proto.DiffResponse>(this.client.diff, req);
    const names: Record<number, string> = { 0: "unknown", 1: "none", 2: "some" };
    return { changes: names[res.getChanges()], replaces: res.getReplacesList(), deleteBeforeReplace: res.getDeletebeforereplace() };
  }

  async create(inputs: Props): Promise<{ id: string; properties: Props }> {
    const req = new proto.CreateRequest();
    req.setUrn(urn("invite"));
    req.setProperties(this.withProvider(inputs));
    const res = await this.unary<proto.CreateRequest, proto.CreateResponse>(this.client.create, req);
    return { id: res.getId(), properties: res.getProperties()!.toJavaScript() as Props };
  }

  async read(id: string, properties: Props): Promise<{ id: string; properties: Props; inputs: Props }> {
    const req = new proto.ReadRequest();
    req.setId(id);
    req.setUrn(urn("invite"));
    req.setProperties(this.withProvider(properties));
    const res = await this.unary<proto.ReadRequest, proto.ReadResponse>(this.client.read, req);
    return {
      id: res.getId(),
      properties: (res.getProperties()?.toJavaScript() ?? {}) as Props,
      inputs: (res.getInputs()?.toJavaScript() ?? {}) as Props,
    };
  }

  async update(id: string, olds: Props, news: Props): Promise<Props> {
    const req = new proto.UpdateRequest();
    req.setId(id);
    req.setUrn(urn("invite"));
    req.setOlds(this.withProvider(olds));
    req.setNews(this.withProvider(news));
    const res = await this.unary<proto.UpdateRequest, proto.UpdateResponse>(this.client.update, req);
    return res.getProperties()!.toJavaScript() as Props;
  }

  async delete(id: string, properties: Props): Promise<void> {
    const req = new proto.DeleteRequest();
    req.setId(id);
    req.setUrn(urn("invite"));
    req.setProperties(this.withProvider(properties));
    await this.unary(this.client.delete, req);
  }
}
