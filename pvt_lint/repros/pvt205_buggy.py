"""PVT205 exit-in-thread, buggy: a worker thread calls sys.exit(3) on a fatal error.

SystemExit ends only the worker thread; threading drops it without a word. The main thread goes on,
and the program finishes with status 0 as if nothing had failed. The script runs the program in a
child interpreter to see its real exit status.
"""
import subprocess
import sys
import threading
import time


def load(config):
    if "db" not in config:
        print("  worker: no database configured, exiting with status 3", flush=True)
        sys.exit(3)  # expect: PVT205
    return config["db"]


def program():
    threading.Thread(target=load, args=({},)).start()
    time.sleep(0.2)
    print("  main: still running, writing the report", flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["program"]:
        program()
    else:
        done = subprocess.run([sys.executable, __file__, "program"], timeout=60)
        if done.returncode == 0:
            print("reproduced: sys.exit(3) in the worker thread ended only that thread; the program exited with status 0")
        else:
            print(f"not reproduced: the program exited with status {done.returncode}")
            sys.exit(1)
