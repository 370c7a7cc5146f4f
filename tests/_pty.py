"""Runs a command in a pseudo-terminal (80x24, or PTY_SIZE=COLSxROWS) for the end-to-end tests.

Prints "pid N" on stderr, copies everything the command writes to stdout (raw bytes),
copies stdin to the terminal, and exits with the command's exit code. On SIGUSR1 it resizes
the terminal to the COLSxROWS written in the file PTY_RESIZE_FILE (the kernel then sends SIGWINCH).
"""
import fcntl, os, pty, select, signal, struct, sys, termios

pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
cols, rows = (int(n) for n in os.environ.get("PTY_SIZE", "80x24").split("x"))
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
def resize(*_):
    with open(os.environ["PTY_RESIZE_FILE"]) as f:
        c, r = (int(n) for n in f.read().strip().split("x"))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", r, c, 0, 0))
signal.signal(signal.SIGUSR1, resize)
sys.stderr.write(f"pid {pid}\n")
sys.stderr.flush()
stdin_open = True
while True:
    readers = [fd] + ([0] if stdin_open else [])
    try:
        ready, _, _ = select.select(readers, [], [], 0.05)
    except InterruptedError:
        continue
    if fd in ready:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b""
        if not data:
            break
        os.write(1, data)
    if 0 in ready:
        data = os.read(0, 1024)
        if data:
            os.write(fd, data)
        else:
            stdin_open = False
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8)
