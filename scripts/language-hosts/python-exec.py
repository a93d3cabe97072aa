"""Runs a Pulumi Python program for the stand-in language host (python.js), as Pulumi's
pulumi-language-python-exec does: the engine's flags to the Python SDK's settings, the stack's config
from PULUMI_CONFIG, then the program's __main__ inside the SDK's stack. Exit code 32 tells the host that
the error has already been shown to the user."""

import argparse
import asyncio
import logging
import os
import runpy
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor

ALREADY_REPORTED = 32

try:
    import pulumi
    import pulumi.runtime
except ImportError:
    print(
        f"The pulumi package is not installed in {sys.executable}: install the program's requirements into "
        "the virtualenv Pulumi.yaml names (`pulumi install`, or `venv/bin/pip install -r requirements.txt`).",
        file=sys.stderr,
    )
    sys.exit(1)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run a Pulumi Python program")
    for name in ("project", "root_directory", "stack", "parallel", "dry_run", "pwd", "monitor", "engine", "organization", "tracing"):
        parser.add_argument(f"--{name}")
    parser.add_argument("PROGRAM")
    parser.add_argument("ARGS", nargs="*")
    return parser.parse_args()


def main() -> int:
    args = arguments()
    pulumi.runtime.set_all_config(pulumi.runtime.get_config_env(), pulumi.runtime.get_config_secret_keys_env())
    parallel = int(args.parallel) if args.parallel else None
    pulumi.runtime.configure(
        pulumi.runtime.Settings(
            monitor=args.monitor,
            engine=args.engine,
            project=args.project,
            stack=args.stack,
            parallel=parallel,
            dry_run=args.dry_run == "true",
            organization=args.organization,
            root_directory=args.root_directory,
        )
    )
    sys.argv = [args.PROGRAM, *args.ARGS]
    if args.pwd:
        os.chdir(args.pwd)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # The SDK runs blocking work in the loop's executor: as wide as the engine's parallelism allows.
    executor = ThreadPoolExecutor(max_workers=max(parallel or 1, 1) * 4)
    loop.set_default_executor(executor)
    # A failed resource leaves futures nobody awaits; asyncio's complaints about them say nothing to a user.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    try:
        loop.run_until_complete(pulumi.runtime.run_in_stack(lambda: runpy.run_path(args.PROGRAM, run_name="__main__")))
        return 0
    except pulumi.RunError as error:
        pulumi.log.error(str(error))
        return 1
    except Exception:  # noqa: BLE001 -- any failure of the user's program is shown to them, then reported
        pulumi.log.error("Program failed with an unhandled exception:\n" + traceback.format_exc())
        return ALREADY_REPORTED
    finally:
        executor.shutdown(wait=True)
        loop.close()
        sys.stdout.flush()
        sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
