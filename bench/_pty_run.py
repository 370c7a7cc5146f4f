"""Runs a command in a pseudo-terminal of a fixed size for the benchmarks.

Usage: python3 bench/_pty_run.py COLS ROWS OUT_FILE CMD [ARGS...]

Writes everything the command draws to OUT_FILE (raw bytes) and, for every chunk
read from the terminal, a line "EPOCH_SECONDS END_OFFSET" to OUT_FILE.idx, so that
each byte can be given the time it reached the terminal. Prints "pid N start T"
on stderr once the command is started (T: epoch seconds just before the fork),
copies stdin to the terminal (keys), and exits with the command's exit code.
"""
import fcntl, os, pty, select, struct, sys, termios, time

cols, rows, out_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
cmd = sys.argv[4:]
os.environ["TERM"] = "xterm-256color"
start = time.time()
pid, fd = pty.fork()
size = struct.pack("HHHH", rows, cols, 0, 0)
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, size)  # before exec: the command's first size query sees it
    os.execvp(cmd[0], cmd)
fcntl.ioctl(fd, termios.TIOCSWINSZ, size)
out = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
idx = open(out_path + ".idx", "w", buffering=1)
sys.stderr.write(f"pid {pid} start {start:.6f}\n")
sys.stderr.flush()
total = 0
stdin_open = True
while True:
    readers = [fd] + ([0] if stdin_open else [])
    ready, _, _ = select.select(readers, [], [], 0.5)
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
        idx.write(f"{now:.6f} {total}\n")
    if 0 in ready:
        data = os.read(0, 1024)
        if data:
            os.write(fd, data)
        else:
            stdin_open = False
_, status = os.waitpid(pid, 0)
os.close(out)
idx.close()
sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8)
