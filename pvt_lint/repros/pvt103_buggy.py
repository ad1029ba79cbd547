"""PVT103 process-start-at-import, buggy: a script starts a process at module level, with no main guard.

Under spawn (and forkserver) the child imports the main module again to find `work`, and so runs
the module-level start a second time; multiprocessing stops it with a RuntimeError. This script
writes such a program to a temporary folder and runs it.
"""
import pathlib
import subprocess
import sys
import tempfile
import textwrap

UNGUARDED = textwrap.dedent("""\
    import multiprocessing

    def work():
        print("child: working")

    ctx = multiprocessing.get_context("spawn")
    p = ctx.Process(target=work)
    p.start()
    p.join(timeout=60)
    print("parent: child exit code", p.exitcode)
    """)

BOOTSTRAP_ERROR = "before the current process has finished its bootstrapping phase"

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        script = pathlib.Path(folder, "unguarded.py")
        script.write_text(UNGUARDED)
        run = subprocess.run([sys.executable, str(script)], cwd=folder,
                             capture_output=True, text=True, timeout=120)
    # The child's last traceback ends with the error; its message spans several lines.
    error = " ".join(run.stderr[run.stderr.rfind("RuntimeError:"):].split())
    print(textwrap.indent(run.stdout.rstrip(), "  | "))
    print("  | child's last error:", error[:110] + "...")
    child_failed = "child exit code 1" in run.stdout and "child: working" not in run.stdout
    if BOOTSTRAP_ERROR in error and child_failed:
        print("reproduced: the spawned child died with RuntimeError: An attempt has been made to start "
              "a new process before the current process has finished its bootstrapping phase; "
              "work() never ran (child exit code 1)")
    else:
        print("not reproduced: no bootstrapping RuntimeError from the unguarded script")
        sys.exit(1)
