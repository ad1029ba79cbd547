"""PVT104 thread-primitive-to-process, fixed: multiprocessing.Queue and multiprocessing.Lock.

These are built on OS pipes and semaphores that both processes share, so they work under every
start method.
"""
import multiprocessing
import queue
import sys


def producer(results, lock):
    with lock:
        results.put("hello")


def send_queue_and_lock(method):
    ctx = multiprocessing.get_context(method)
    results = ctx.Queue()
    lock = ctx.Lock()
    p = ctx.Process(target=producer, args=(results, lock))
    p.start()
    try:
        received = results.get(timeout=60)
    except queue.Empty:
        received = None
    p.join(timeout=60)
    if p.exitcode is None:
        p.terminate()
        p.join(timeout=5)
    print(f"  parent: under {method} received {received!r}, child exit code {p.exitcode}")
    return received == "hello" and p.exitcode == 0


if __name__ == "__main__":
    methods = multiprocessing.get_all_start_methods()
    failed = [method for method in methods if not send_queue_and_lock(method)]
    if not failed:
        print(f"fixed: the parent received 'hello' through a multiprocessing.Queue, "
              f"the child held a multiprocessing.Lock ({', '.join(methods)})")
    else:
        print(f"not fixed: nothing arrived under {', '.join(failed)}")
        sys.exit(1)
