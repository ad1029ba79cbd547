"""PVT204 signal-handler-outside-main-thread, fixed: the main thread installs the handler; the worker
waits on an event the handler sets.

The script sends itself SIGTERM and checks that the worker stopped because of it.
"""
import os
import signal
import sys
import threading

stopping = threading.Event()


def on_term(signum, frame):
    stopping.set()


def serve():
    stopped = stopping.wait(30)
    print(f"  worker: {'stopped by SIGTERM' if stopped else 'timed out'}")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_term)  # the main thread installs it
    worker = threading.Thread(target=serve)
    worker.start()
    os.kill(os.getpid(), signal.SIGTERM)
    worker.join(60)
    if stopping.is_set() and not worker.is_alive():
        print("fixed: the handler installed by the main thread ran on SIGTERM and the worker stopped")
    else:
        print("not fixed: the worker did not see SIGTERM")
        sys.exit(1)
