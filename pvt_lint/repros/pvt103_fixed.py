"""PVT103 process-start-at-import, fixed: the process is started under `if __name__ == "__main__":`.

The spawned child still imports the module again, but the guard keeps it from starting another
process. This script writes such a program to a temporary folder and runs it.
"""
import pathlib
import subprocess
import sys
import tempfile
import textwrap

GUARDED = textwrap.dedent("""\
    import multiprocessing

    def work():
        print("child: working")

    if __name__ == "__main__":
        ctx = multiprocessing.get_context("spawn")
        p = ctx.Process(target=work)
        p.start()
        p.join(timeout=60)
        print("parent: child exit code", p.exitcode)
    """)

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        script = pathlib.Path(folder, "guarded.py")
        script.write_text(GUARDED)
        run = subprocess.run([sys.executable, str(script)], cwd=folder,
                             capture_output=True, text=True, timeout=120)
    output = run.stdout + run.stderr
    print(textwrap.indent(output.rstrip(), "  | "))
    if run.returncode == 0 and "child: working" in output and "child exit code 0" in output:
        print("fixed: the guarded script ran under spawn; the child printed 'child: working' "
              "and exited with code 0")
    else:
        print(f"not fixed: the guarded script exited with code {run.returncode}")
        sys.exit(1)
