"""Executes notebooks headlessly with the repo-local tslab kernel and writes executed copies.

Usage: python3 kernels/jupyter/execute.py [--timeout S] [--keep-going] IN.ipynb OUT.ipynb [IN OUT ...]

Prints one line per cell (index, seconds, status) and a summary per notebook; exits 1 if any cell
failed. nbclient (the engine of `jupyter nbconvert --execute`) is driven directly so that the
error hook below can be set and the kernel's start-up time measured.
"""
import argparse
import json
import re
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError


class ErrorHook:
    """nbclient's on_cell_error hook: records failing cells and waits out tslab's abort window."""

    def __init__(self):
        self.failed = set()

    def __call__(self, cell, cell_index, execute_reply):
        # A cell tagged raises-exception is expected to fail (nbclient's convention).
        if "raises-exception" not in cell.metadata.get("tags", []):
            self.failed.add(cell_index)
        # tslab aborts every request for 200 ms after a failing cell; without this pause the next
        # cell (with --keep-going) or the shutdown request would be aborted as well.
        time.sleep(0.3)


def first_line_of_error(cell):
    # tslab reports compile and runtime errors on stderr, other kernels as "error" outputs.
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".splitlines()[0]
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            lines = [line for line in output.get("text", "").splitlines() if line.strip()]
            # Prefer the "SomeError: message" line of a stack trace over the source excerpt above it.
            named = [line for line in lines if re.match(r"^\s*[A-Za-z]*(Error|Exception)\b", line)]
            if named or lines:
                return (named or lines)[0].strip()[:300]
    return "(no error text)"


def run_one(source, target, kernel_name, timeout, keep_going):
    nb = nbformat.read(source, as_version=4)
    hook = ErrorHook()
    client = NotebookClient(
        nb,
        kernel_name=kernel_name,
        timeout=timeout,
        startup_timeout=120,
        allow_errors=keep_going,
        record_timing=True,
        on_cell_error=hook,
    )
    started = time.monotonic()
    failed = []
    with client.setup_kernel():
        kernel_ready = time.monotonic() - started
        print(f"{source}: kernel started in {kernel_ready:.2f}s", flush=True)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            cell_started = time.monotonic()
            try:
                client.execute_cell(cell, index)
            except CellTimeoutError:
                print(f"  cell {index}: timed out after {timeout}s", flush=True)
                failed.append(index)
                break
            except CellExecutionError:
                pass
            except Exception as error:  # the kernel died or stopped answering
                print(f"  cell {index}: {type(error).__name__}: {error}".splitlines()[0], flush=True)
                failed.append(index)
                break
            errored = index in hook.failed
            seconds = time.monotonic() - cell_started
            status = f"FAILED {first_line_of_error(cell)}" if errored else "ok"
            print(f"  cell {index}: {seconds:.2f}s {status}", flush=True)
            if errored:
                failed.append(index)
                if not keep_going:
                    break
    total = time.monotonic() - started
    nbformat.write(nb, target)
    summary = {"notebook": source, "executed": target, "kernel_start_s": round(kernel_ready, 3),
               "total_s": round(total, 3), "failed_cells": failed}
    print(f"{source}: {'FAILED' if failed else 'ok'} in {total:.2f}s -> {target}", flush=True)
    print("summary " + json.dumps(summary), flush=True)
    return not failed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kernel", default="prismer-ts")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    parser.add_argument("--keep-going", action="store_true", help="run every cell even after a failure")
    parser.add_argument("pairs", nargs="+", help="input and output notebook paths, alternating")
    args = parser.parse_args()
    if len(args.pairs) % 2:
        parser.error("expected pairs of input and output paths")
    ok = True
    for source, target in zip(args.pairs[0::2], args.pairs[1::2]):
        ok = run_one(source, target, args.kernel, args.timeout, args.keep_going) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
