"""Runs one portable test module on MicroPython: ``micropython runner.py MODULE``.

Prints ``PASS name`` / ``FAIL name: error`` per test and a closing summary line that
tests/micropython/test_on_micropython.py parses.
"""
import sys


def main():
    name = sys.argv[1]
    module = __import__(name)
    for part in name.split(".")[1:]:
        module = getattr(module, part)
    passed = 0
    failed = 0
    for attr in sorted(dir(module)):
        if not attr.startswith("test_"):
            continue
        func = getattr(module, attr)
        try:
            func()
        except Exception as err:  # report every failure, keep running
            failed += 1
            print("FAIL " + attr + ": " + repr(err))
            sys.print_exception(err)
        else:
            passed += 1
            print("PASS " + attr)
    print("micropython: " + str(passed) + " passed, " + str(failed) + " failed")
    sys.exit(1 if failed else 0)


main()
