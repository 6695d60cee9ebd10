#!/usr/bin/env python3
"""moto's S3 server (`python -m moto.server`) for the object store tests, with one
addition: it exits when the test process that started it goes, even by a crash that
never sent the SIGKILL its stop() sends. The arguments are moto.server's own:

    moto_s3_server.py -H 127.0.0.1 -p PORT

INITIAL_NO_AUTH_ACTION_COUNT comes from the environment (MotoS3Server sets 3): moto
reads it when it is imported, so it must be set before this starts.
"""
import os
import sys
import threading
import time

try:
    from moto.server import main
except ImportError as error:  # the tests' venv is missing or lacks the package
    sys.stderr.write("moto_s3_server.py: cannot import moto.server with %s (%s); "
                     "scripts/test.sh makes the venv and installs moto[server]\n" % (sys.executable, error))
    sys.exit(3)


def exit_with_parent(parent):
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


threading.Thread(target=exit_with_parent, args=(os.getppid(),), daemon=True).start()
main(sys.argv[1:])
