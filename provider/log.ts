import { createRequire } from "node:module";
import type * as grpc from "@grpc/grpc-js";
import type * as EngineRpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import type * as EngineProto from "@pulumi/pulumi/proto/engine_pb";

/**
 * The one place the provider tells the user something: Pulumi's engine log, which the CLI prints with
 * the update (a dynamic provider's stderr is not shown by default). The engine's address is the first
 * argument of the dynamic-provider process Pulumi starts; anywhere else (a test calling the lifecycle
 * directly, an engine that went away) lines go to stderr instead, so nothing is lost.
 */
export type Severity = "info" | "warning";

const DELIVERY_DEADLINE_MS = 5_000;

interface EngineChannel {
  client: EngineRpc.EngineClient;
  proto: typeof EngineProto;
  grpc: typeof grpc;
}

let channel: EngineChannel | undefined | null;

export function report(severity: Severity, message: string): Promise<void> {
  const engine = engineChannel();
  if (!engine) return toStderr(severity, message);
  const request = new engine.proto.LogRequest();
  request.setSeverity(severity === "warning" ? engine.proto.LogSeverity.WARNING : engine.proto.LogSeverity.INFO);
  request.setMessage(message);
  return new Promise((resolve) => {
    engine.client.log(request, new engine.grpc.Metadata(), { deadline: Date.now() + DELIVERY_DEADLINE_MS }, (error) => {
      if (error) void toStderr(severity, message).then(resolve);
      else resolve();
    });
  });
}

function toStderr(severity: Severity, message: string): Promise<void> {
  process.stderr.write(`${severity}: ${message}\n`);
  return Promise.resolve();
}

function engineChannel(): EngineChannel | undefined {
  if (channel !== undefined) return channel ?? undefined;
  const [, script, address] = process.argv;
  if (!script || !/dynamic-provider/.test(script) || !address) {
    channel = null;
    return undefined;
  }
  // The gRPC stubs and runtime @pulumi/pulumi itself uses, loaded from where it is installed.
  const fromPulumi = createRequire(require.resolve("@pulumi/pulumi"));
  const rpc = fromPulumi("./proto/engine_grpc_pb") as typeof EngineRpc;
  const grpcJs = fromPulumi("@grpc/grpc-js") as typeof grpc;
  channel = {
    client: new rpc.EngineClient(address, grpcJs.credentials.createInsecure()),
    proto: fromPulumi("./proto/engine_pb"),
    grpc: grpcJs,
  };
  return channel;
}
