import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { VERSION } from "../version";

/**
 * A Python program's SDK (pulumi_astro_invites) must be the one this plugin ships (sdk/python in the npm
 * package): an older one lacks roles and fields the plugin knows, and describes them differently. The
 * engine tells the plugin nothing about the SDK that registered a component, so the plugin looks where
 * the README installs it: a virtualenv directly in the program's directory. An SDK installed elsewhere is
 * not checked.
 */
const MODULE = "pulumi_astro_invites";

/** The installed SDK module directories of the virtualenvs directly in `directory`, by virtualenv name. */
function installedSdks(directory: string): { venv: string; module: string }[] {
  const found: { venv: string; module: string }[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const venv = join(directory, entry.name);
    if (!entry.isDirectory() || !existsSync(join(venv, "pyvenv.cfg")) || !existsSync(join(venv, "lib"))) continue;
    for (const python of readdirSync(join(venv, "lib"))) {
      const module = join(venv, "lib", python, "site-packages", MODULE);
      if (existsSync(module)) found.push({ venv: entry.name, module });
    }
  }
  return found;
}

/** The SDK this package ships, found upward from this file (dist/provider/plugin or provider/plugin). */
function shippedSdk(): string | undefined {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const module = join(dir, "sdk", "python", MODULE);
    if (existsSync(module)) return module;
  }
  return undefined;
}

const sources = (module: string) =>
  readdirSync(module)
    .filter((file) => file.endsWith(".py"))
    .sort();

function sameSdk(installed: string, shipped: string): boolean {
  const files = sources(shipped);
  return (
    JSON.stringify(sources(installed)) === JSON.stringify(files) &&
    files.every((file) => readFileSync(join(installed, file), "utf8") === readFileSync(join(shipped, file), "utf8"))
  );
}

/** Fails, saying what to run, when a virtualenv in `directory` holds an SDK other than the one shipped. */
export function checkPythonSdkBeside(directory: string): void {
  const shipped = shippedSdk();
  if (!shipped) return;
  for (const { venv, module } of installedSdks(directory)) {
    if (sameSdk(module, shipped)) continue;
    throw new Error(
      `the Python SDK in ${venv}/ (${MODULE}) is not the one pulumi-astro-invites ${VERSION} ships (it was installed from another ` +
        `version of the package): reinstall it with ${venv}/bin/pip install ./${relative(directory, dirname(shipped))} ` +
        `(or ${venv}/bin/pip install -r requirements.txt, when that names it)`,
    );
  }
}
