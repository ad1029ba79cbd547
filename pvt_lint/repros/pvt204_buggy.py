"""PVT204 signal-handler-outside-main-thread, buggy: a worker thread installs the SIGTERM handler.

Only the main thread may install a signal handler. The worker's call raises ValueError, the worker
dies at that line, and the handler the program relies on to stop cleanly is never installed.
"""
import signal
import sys
import threading

stopping = threading.Event()
errors = []


def on_term(signum, frame):
    stopping.set()


def serve():
    signal.signal(signal.SIGTERM, on_term)  # expect: PVT204
    stopping.wait(5)


def record(args):
    errors.append(args.exc_value)  # what the thread died of (threading would print it)


if __name__ == "__main__":
    threading.excepthook = record
    worker = threading.Thread(target=serve)
    worker.start()
    worker.join()
    installed = signal.getsignal(signal.SIGTERM) is on_term
    print(f"  worker died of: {errors[0]!r}" if errors else "  worker ended normally")
    print(f"  SIGTERM handler installed: {installed}")
    if errors and isinstance(errors[0], ValueError) and not installed:
        print(f"reproduced: the worker thread's signal.signal raised ValueError ({errors[0]}) and no handler was installed")
    else:
        print("not reproduced: the worker thread installed the handler")
        sys.exit(1)
