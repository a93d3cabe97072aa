#!/usr/bin/env node
// A minimal Node.js language host for the Pulumi CLI: the gRPC LanguageRuntime service that the CLI
// starts as `pulumi-language-nodejs` to run a TypeScript program. The Go module proxy reachable here
// refuses Pulumi's own language host module (HTTP 403), so the test CLI uses this one instead (the parts
// every language shares are in serve.js). It
// starts the program as Pulumi's does (../shared/reference/pulumi-dynamic-providers.md): `node
// @pulumi/pulumi/cmd/run` found from the program's directory, each flag and value as separate words,
// config keys as pkg:config:name, PULUMI_NODEJS_TYPESCRIPT only when the typescript option is on, exit
// code 32 as "already reported", SIGINT then a kill on cancel, and an exit when the engine goes away.
// This file is the generated-protocol boundary, written in plain JavaScript.
"use strict";

const { execFileSync, spawn } = require("node:child_process");
const path = require("node:path");
const { serveLanguageHost, requestEnvironment, langproto } = require("./serve");

/** Options from Pulumi.yaml's `runtime.options`; TypeScript is on unless set to false, as in Pulumi's host. */
function runtimeOptions(info) {
  const options = info && info.getOptions() ? info.getOptions().toJavaScript() : {};
  return { typescript: options.typescript !== false, tsconfig: options.tsconfig, nodeargs: options.nodeargs };
}

/** Splits `runtime.options.nodeargs` like a shell would (quotes, backslashes), as Pulumi's host does. */
function shellWords(text) {
  const words = [];
  let word = null;
  let quote = null;
  for (let i = 0; i < (text || "").length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word = word ?? "";
    } else if (c === "\\" && i + 1 < text.length) {
      word = (word ?? "") + text[++i];
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** The engine's config with keys in the older `pkg:config:name` form the Node.js SDK reads. */
function programConfig(req) {
  const config = {};
  req.getConfigMap().forEach((value, key) => {
    const [pkg, ...name] = key.split(":");
    config[name.length ? `${pkg}:config:${name.join(":")}` : key] = value;
  });
  return config;
}

/**
 * `@pulumi/pulumi/cmd/run` (or `cmd/run-plugin`) as Pulumi's host finds it: `node -e require.resolve(...)`
 * in the program's directory.
 */
function runPath(programDirectory, entry = "run") {
  if (process.env.PULUMI_LANGUAGE_NODEJS_RUN_PATH) return process.env.PULUMI_LANGUAGE_NODEJS_RUN_PATH;
  try {
    return execFileSync("node", ["-e", `console.log(require.resolve('@pulumi/pulumi/cmd/${entry}'))`], {
      cwd: programDirectory,
      encoding: "utf8",
    }).trim();
  } catch {
    return undefined;
  }
}

/**
 * RunPlugin, as Pulumi's host does it: `node <cmd/run-plugin> [nodeargs] <plugin directory> <args>` in the
 * request's directory with the request's environment (and nothing of ours), its output streamed back as
 * it comes, then its exit code. Differences from Pulumi's host: no debugger attach, and an exit code is
 * reported as a message rather than as an error ending the stream (the engine reads both the same way).
 */
function runPlugin(host, call) {
  const req = call.request;
  const info = req.getInfo();
  const pluginDirectory = (info && info.getProgramDirectory()) || path.resolve(req.getPwd(), req.getProgram());
  const options = runtimeOptions(info);
  const send = (set) => call.write(set(new langproto.RunPluginResponse()));
  const runner = runPath(pluginDirectory, "run-plugin");
  if (!runner) {
    send((r) => r.setStderr(Buffer.from(`@pulumi/pulumi is not installed where ${pluginDirectory} can find it: run npm install there\n`)));
    send((r) => r.setExitcode(1));
    call.end();
    return;
  }
  const env = requestEnvironment(req.getEnvList());
  if (options.typescript) env.PULUMI_NODEJS_TYPESCRIPT = "true";
  if (options.tsconfig) env.PULUMI_NODEJS_TSCONFIG_PATH = options.tsconfig;
  // The node on our PATH (the one running this host), found before the plugin's environment applies.
  const child = host.track(
    spawn(process.execPath, [runner, ...shellWords(options.nodeargs), pluginDirectory, ...req.getArgsList()], {
      cwd: req.getPwd() || undefined,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  child.stdout.on("data", (chunk) => send((r) => r.setStdout(chunk)));
  child.stderr.on("data", (chunk) => send((r) => r.setStderr(chunk)));
  child.on("error", (error) => {
    send((r) => r.setStderr(Buffer.from(`could not start the plugin: ${error.message}\n`)));
  });
  child.on("close", (code) => {
    send((r) => r.setExitcode(code ?? 1));
    call.end();
  });
}

serveLanguageHost("pulumi-language-nodejs", (host) => ({
  runPlugin: (call) => runPlugin(host, call),
  about(_call, callback) {
    callback(null, new langproto.AboutResponse().setExecutable(process.execPath).setVersion(process.version));
  },
  run(call, callback) {
    const req = call.request;
    const info = req.getInfo();
    const programDirectory = (info && info.getProgramDirectory()) || path.resolve(req.getPwd(), req.getProgram());
    const rootDirectory = (info && info.getRootDirectory()) || req.getPwd();
    const entryPoint = (info && info.getEntryPoint()) || ".";
    const options = runtimeOptions(info);
    const runner = runPath(programDirectory);
    if (!runner) {
      callback(
        null,
        new langproto.RunResponse().setError("It looks like the Pulumi SDK has not been installed. Have you run pulumi install?"),
      );
      return;
    }
    const flag = (name, value) => (value ? [`--${name}`, value] : []);
    const args = [
      ...shellWords(options.nodeargs),
      runner,
      ...flag("monitor", req.getMonitorAddress()),
      ...flag("engine", host.engineAddress()),
      ...flag("organization", req.getOrganization()),
      ...flag("project", req.getProject()),
      ...flag("root-directory", rootDirectory),
      ...flag("stack", req.getStack()),
      ...flag("pwd", programDirectory),
      ...(req.getDryrun() ? ["--dry-run"] : []),
      "--parallel",
      String(req.getParallel()),
      entryPoint,
      ...req.getArgsList(),
    ];
    const env = {
      ...process.env,
      PULUMI_CONFIG: JSON.stringify(programConfig(req)),
      PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(req.getConfigsecretkeysList()),
    };
    delete env.PULUMI_NODEJS_TYPESCRIPT;
    delete env.PULUMI_NODEJS_TSCONFIG_PATH;
    if (options.typescript) env.PULUMI_NODEJS_TYPESCRIPT = "true";
    if (options.tsconfig) env.PULUMI_NODEJS_TSCONFIG_PATH = options.tsconfig;
    // Whichever node is on PATH, as Pulumi's host uses; the working directory is inherited, --pwd moves it.
    const child = host.track(spawn("node", args, { env, stdio: ["ignore", "inherit", "inherit"] }));
    child.on("error", (error) => callback(null, new langproto.RunResponse().setError(error.message)));
    child.on("exit", (code, signal) => {
      const response = new langproto.RunResponse();
      // 32: the program already reported its error to the user (see @pulumi/pulumi/cmd/run).
      if (code === 32) response.setBail(true);
      else if (code !== 0) response.setError(`Program exited with ${signal ? `signal ${signal}` : `non-zero exit code: ${code}`}`);
      callback(null, response);
    });
  },
}));
