#!/usr/bin/env node
// A minimal Python language host for the Pulumi CLI: what the CLI starts as `pulumi-language-python` to
// run a `runtime: python` program. No registry serves Pulumi's own (the Go module proxy answers 403), so
// the test CLI uses this one. It starts a program as Pulumi's host does (read from pulumi/pulumi's
// sdk/python/cmd/pulumi-language-python): the program's interpreter (`runtime.options.virtualenv`, relative
// to Pulumi.yaml's directory, activated; else python3 on PATH) runs an exec script (python-exec.py) with
// underscore flags, PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS in its environment, exit code 32 as
// "already reported". Differences from Pulumi's host: pip virtualenvs only (no poetry or uv toolchains),
// no typechecker option, no debugger, no Python plugins (RunPlugin), no required-packages answer (a
// program names the package's plugin under `packages:` in Pulumi.yaml, which the CLI reads itself), and
// no `pulumi install` (which makes the virtualenv, and generates and links an SDK for each of
// `packages:` through GeneratePackage and Link): make the virtualenv with python3 -m venv and pip.
"use strict";

const { spawn } = require("node:child_process");
const { existsSync } = require("node:fs");
const path = require("node:path");
const { serveLanguageHost, langproto } = require("./serve");

const EXEC = path.join(__dirname, "python-exec.py");

/** The program's Python: its virtualenv's when Pulumi.yaml names one, else python3 on PATH. */
function interpreter(info) {
  const options = info && info.getOptions() ? info.getOptions().toJavaScript() : {};
  if (options.toolchain && options.toolchain !== "pip") {
    return { error: `runtime.options.toolchain ${options.toolchain}: this test host runs pip virtualenvs only` };
  }
  if (!options.virtualenv) return { python: "python3", env: { ...process.env } };
  const root = (info && info.getRootDirectory()) || process.cwd();
  const venv = path.resolve(root, options.virtualenv);
  const env = { ...process.env, VIRTUAL_ENV: venv, PATH: `${path.join(venv, "bin")}${path.delimiter}${process.env.PATH || ""}` };
  delete env.PYTHONHOME;
  return { python: path.join(venv, "bin", "python"), env, venv, option: options.virtualenv };
}

/** Pulumi's host's words when the virtualenv Pulumi.yaml names is not there: the commands that make it. */
function missingVirtualenv({ venv, option }) {
  const python = path.join(venv, "bin", "python");
  return (
    `The 'virtualenv' option in Pulumi.yaml is set to "${option}", but "${venv}" ` +
    `${existsSync(venv) ? "doesn't appear to be a virtual environment" : "doesn't exist"}; make it with:\n\n` +
    `    1. python3 -m venv ${venv}\n    2. ${python} -m pip install -r requirements.txt\n`
  );
}

serveLanguageHost("pulumi-language-python", (host) => ({
  about(_call, callback) {
    callback(null, new langproto.AboutResponse().setExecutable("python3"));
  },

  run(call, callback) {
    const req = call.request;
    const info = req.getInfo();
    const found = interpreter(info);
    if (found.error) return callback(null, new langproto.RunResponse().setError(found.error));
    if (found.venv && !existsSync(found.python)) return callback(null, new langproto.RunResponse().setError(missingVirtualenv(found)));
    const flag = (name, value) => (value ? [`--${name}`, value] : []);
    const args = [
      EXEC,
      ...flag("monitor", req.getMonitorAddress()),
      ...flag("engine", host.engineAddress()),
      ...flag("project", req.getProject()),
      ...flag("root_directory", info && info.getRootDirectory()),
      ...flag("stack", req.getStack()),
      ...flag("pwd", req.getPwd()),
      "--dry_run",
      String(req.getDryrun()),
      "--parallel",
      String(req.getParallel()),
      ...flag("organization", req.getOrganization()),
      (info && info.getEntryPoint()) || ".",
      ...req.getArgsList(),
    ];
    const config = Object.fromEntries(req.getConfigMap().toArray());
    const env = {
      ...found.env,
      PULUMI_CONFIG: JSON.stringify(config),
      PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(req.getConfigsecretkeysList()),
    };
    const child = host.track(spawn(found.python, args, { env, stdio: ["ignore", "inherit", "inherit"] }));
    // A process that fails to start may still report an exit: answer once.
    let answered = false;
    const answer = (response) => {
      if (!answered) callback(null, response);
      answered = true;
    };
    child.on("error", (error) => answer(new langproto.RunResponse().setError(`could not start ${found.python}: ${error.message}`)));
    child.on("exit", (code, signal) => {
      const response = new langproto.RunResponse();
      // 32: the program already reported its error to the user (python-exec.py).
      if (code === 32) response.setBail(true);
      else if (code !== 0) response.setError(`program exited with ${signal ? `signal ${signal}` : `non-zero exit code: ${code}`}`);
      answer(response);
    });
  },
}));
