// What our stand-in language hosts share: the gRPC LanguageRuntime server the Pulumi CLI starts, the
// answers that do not depend on the language, cancelling the programs they started, and exiting when the
// engine goes away. Each host (nodejs.js, python.js) gives only what its language decides. This file is
// the generated-protocol boundary, written in plain JavaScript.
"use strict";

const grpc = require("@grpc/grpc-js");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");
const langproto = require("@pulumi/pulumi/proto/language_pb");
const langrpc = require("@pulumi/pulumi/proto/language_grpc_pb");
const pluginproto = require("@pulumi/pulumi/proto/plugin_pb");

// The CLI these hosts stand in beside (scripts/pulumi-cli.sh builds it).
const VERSION = "3.274.1";

/**
 * Serves a language host. `specific(host)` returns the language's own methods (run, about, and any of
 * runPlugin, installDependencies); `host` gives them the engine's address and `track(child)`, which lets
 * a cancel reach a program they started.
 */
function serveLanguageHost(name, specific) {
  // `pulumi-language-X [flags] <engine address>`: the engine address is the first non-flag argument.
  let engineAddress = process.argv.slice(2).find((arg) => !arg.startsWith("-")) || "";
  const running = new Set();
  const host = {
    engineAddress: () => engineAddress,
    track(child) {
      running.add(child);
      child.on("exit", () => running.delete(child));
      return child;
    },
  };
  const service = {
    handshake(call, callback) {
      engineAddress = call.request.getEngineAddress() || engineAddress;
      callback(null, new langproto.LanguageHandshakeResponse());
    },
    getPluginInfo(_call, callback) {
      callback(null, new pluginproto.PluginInfo().setVersion(VERSION));
    },
    getRequiredPlugins(_call, callback) {
      callback(null, new langproto.GetRequiredPluginsResponse());
    },
    getRequiredPackages(_call, callback) {
      callback(null, new langproto.GetRequiredPackagesResponse());
    },
    getProgramDependencies(_call, callback) {
      callback(null, new langproto.GetProgramDependenciesResponse());
    },
    runtimeOptionsPrompts(_call, callback) {
      callback(null, new langproto.RuntimeOptionsResponse());
    },
    installDependencies(call) {
      call.end();
    },
    // SIGINT first, as Pulumi's hosts do, and a kill 5 s later.
    cancel(_call, callback) {
      for (const child of running) {
        child.kill("SIGINT");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      }
      callback(null, new emptyproto.Empty());
    },
    ...specific(host),
  };

  const server = new grpc.Server();
  server.addService(langrpc.LanguageRuntimeService, service);
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) {
      console.error(`${name}: ${error.message}`);
      process.exit(1);
    }
    process.stdout.write(`${port}\n`);
    watchEngine(engineAddress, running);
  });
}

/**
 * Like Pulumi's hosts, exit when the engine stops answering its health check, so that a CLI killed with
 * SIGKILL leaves no host (and no program) behind.
 */
function watchEngine(engineAddress, running) {
  if (!engineAddress) return;
  const client = new grpc.Client(engineAddress, grpc.credentials.createInsecure());
  let failures = 0;
  const timer = setInterval(() => {
    client.makeUnaryRequest(
      "/grpc.health.v1.Health/Check",
      () => Buffer.alloc(0),
      (bytes) => bytes,
      {},
      { deadline: Date.now() + 2000 },
      (error) => {
        // UNIMPLEMENTED still means someone answers; only silence counts.
        failures = error && error.code !== grpc.status.UNIMPLEMENTED ? failures + 1 : 0;
        if (failures >= 3) {
          for (const child of running) child.kill("SIGKILL");
          process.exit(1);
        }
      },
    );
  }, 1000);
  timer.unref();
}

/** The environment of a request's `env` list; an empty list means our own, as Go's exec does with a nil Env. */
function requestEnvironment(listed) {
  return listed.length
    ? Object.fromEntries(listed.map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]))
    : { ...process.env };
}

module.exports = { serveLanguageHost, requestEnvironment, langproto };
