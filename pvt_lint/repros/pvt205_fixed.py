"""PVT205 exit-in-thread, fixed: the worker reports the failure and the main thread exits.

The script runs the program in a child interpreter to see its real exit status.
"""
import subprocess
import sys
import threading

failures = []


def load(config):
    if "db" not in config:
        print("  worker: no database configured, telling the main thread", flush=True)
        failures.append(3)
        return None
    return config["db"]


def program():
    worker = threading.Thread(target=load, args=({},))
    worker.start()
    worker.join()
    if failures:
        sys.exit(failures[0])  # the main thread exits, so the program does
    print("  main: writing the report", flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["program"]:
        program()
    else:
        done = subprocess.run([sys.executable, __file__, "program"], timeout=60)
        if done.returncode == 3:
            print("fixed: the main thread called sys.exit(3) for the worker's failure; the program exited with status 3")
        else:
            print(f"not fixed: the program exited with status {done.returncode}")
            sys.exit(1)
