#!/usr/bin/env node
// A minimal Node.js language host for the Pulumi CLI: the gRPC LanguageRuntime service that the CLI
// starts as `pulumi-language-nodejs` to run a TypeScript program. The Go module proxy reachable here
// refuses Pulumi's own language host module (HTTP 403), so the test CLI uses this one instead. It
// launches the program exactly as Pulumi's does: `node @pulumi/pulumi/cmd/run` from the program's own
// node_modules, with the engine's config in PULUMI_CONFIG. This file is the generated-protocol boundary,
// written in plain JavaScript.
"use strict";

const { spawn } = require("node:child_process");
const path = require("node:path");
const grpc = require("@grpc/grpc-js");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");
const langproto = require("@pulumi/pulumi/proto/language_pb");
const langrpc = require("@pulumi/pulumi/proto/language_grpc_pb");
const pluginproto = require("@pulumi/pulumi/proto/plugin_pb");

const VERSION = "3.274.1";
// `pulumi-language-nodejs [flags] <engine address>`: the engine address is the first non-flag argument.
let engineAddress = process.argv.slice(2).find((arg) => !arg.startsWith("-")) || "";

/** Options from Pulumi.yaml's `runtime.options`. */
function runtimeOptions(info) {
  const options = info && info.getOptions() ? info.getOptions().toJavaScript() : {};
  return { typescript: options.typescript !== false, tsconfig: options.tsconfig };
}

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
  about(_call, callback) {
    callback(null, new langproto.AboutResponse().setExecutable(process.execPath).setVersion(process.version));
  },
  runtimeOptionsPrompts(_call, callback) {
    callback(null, new langproto.RuntimeOptionsResponse());
  },
  installDependencies(call) {
    call.end();
  },
  cancel(_call, callback) {
    callback(null, new emptyproto.Empty());
  },
  run(call, callback) {
    const req = call.request;
    const info = req.getInfo();
    const programDirectory = (info && info.getProgramDirectory()) || path.resolve(req.getPwd(), req.getProgram());
    const rootDirectory = (info && info.getRootDirectory()) || req.getPwd();
    const entryPoint = (info && info.getEntryPoint()) || ".";
    const options = runtimeOptions(info);
    let runner;
    try {
      runner = require.resolve("@pulumi/pulumi/cmd/run", { paths: [programDirectory] });
    } catch {
      callback(null, new langproto.RunResponse().setError(`@pulumi/pulumi is not installed in ${programDirectory}: run npm install`));
      return;
    }
    const config = {};
    req.getConfigMap().forEach((value, key) => (config[key] = value));
    const args = [
      runner,
      `--monitor=${req.getMonitorAddress()}`,
      `--engine=${engineAddress}`,
      `--organization=${req.getOrganization()}`,
      `--project=${req.getProject()}`,
      `--stack=${req.getStack()}`,
      `--pwd=${programDirectory}`,
      `--root-directory=${rootDirectory}`,
      `--parallel=${req.getParallel()}`,
      ...(req.getDryrun() ? ["--dry-run"] : []),
      entryPoint,
      ...req.getArgsList(),
    ];
    const env = {
      ...process.env,
      PULUMI_CONFIG: JSON.stringify(config),
      PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(req.getConfigsecretkeysList()),
      PULUMI_NODEJS_TYPESCRIPT: String(options.typescript),
      ...(options.tsconfig && { PULUMI_NODEJS_TSCONFIG_PATH: options.tsconfig }),
    };
    const child = spawn(process.execPath, args, { cwd: programDirectory, env, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", (error) => callback(null, new langproto.RunResponse().setError(error.message)));
    child.on("exit", (code, signal) => {
      const response = new langproto.RunResponse();
      // 32: the program already reported its error to the user (see @pulumi/pulumi/cmd/run).
      if (code === 32) response.setBail(true);
      else if (code !== 0) response.setError(`Program exited with ${signal ? `signal ${signal}` : `non-zero exit code: ${code}`}`);
      callback(null, response);
    });
  },
};

const server = new grpc.Server();
server.addService(langrpc.LanguageRuntimeService, service);
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    console.error(`pulumi-language-nodejs: ${error.message}`);
    process.exit(1);
  }
  process.stdout.write(`${port}\n`);
});
