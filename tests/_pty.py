"""Runs a command in a pseudo-terminal, for the end-to-end tests and the benchmarks.

Usage: [PTY_SIZE=COLSxROWS] [PTY_OUT=FILE] python3 tests/_pty.py CMD [ARGS...]

The terminal is 80x24 unless PTY_SIZE says otherwise, set before the command starts
(its first size query sees it). Everything the command writes goes to stdout (raw
bytes) or, with PTY_OUT, to FILE, with a line "EPOCH_SECONDS END_OFFSET" in FILE.idx
for every chunk read from the terminal, so that each byte can be given the time it
reached the terminal. Prints "pid N start T" on stderr once the command is started
(T: epoch seconds just before the fork), copies stdin to the terminal (keys), and
exits with the command's exit code. On SIGUSR1 it resizes the terminal to the COLSxROWS
written in the file PTY_RESIZE_FILE (the kernel then sends SIGWINCH).
"""
import fcntl, os, pty, select, signal, struct, sys, termios, time

cols, rows = (int(n) for n in os.environ.get("PTY_SIZE", "80x24").split("x"))
out_path = os.environ.get("PTY_OUT")
size = struct.pack("HHHH", rows, cols, 0, 0)
start = time.time()
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, size)
    os.execvp(sys.argv[1], sys.argv[1:])
fcntl.ioctl(fd, termios.TIOCSWINSZ, size)
out = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644) if out_path else 1
idx = open(out_path + ".idx", "w", buffering=1) if out_path else None
def resize(*_):
    with open(os.environ["PTY_RESIZE_FILE"]) as f:
        c, r = (int(n) for n in f.read().strip().split("x"))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", r, c, 0, 0))
signal.signal(signal.SIGUSR1, resize)
sys.stderr.write(f"pid {pid} start {start:.6f}\n")
sys.stderr.flush()
total = 0
stdin_open = True
while True:
    readers = [fd] + ([0] if stdin_open else [])
    ready, _, _ = select.select(readers, [], [], 0.05)
    if fd in ready:
        try:
            data = os.read(fd, 1 << 20)
        except OSError:
            data = b""
        if not data:
            break
        now = time.time()
        os.write(out, data)
        total += len(data)
        if idx:
            idx.write(f"{now:.6f} {total}\n")
    if 0 in ready:
        data = os.read(0, 1024)
        if data:
            os.write(fd, data)
        else:
            stdin_open = False
_, status = os.waitpid(pid, 0)
if idx:
    os.close(out)
    idx.close()
sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8)
