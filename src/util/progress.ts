/**
 * A terminal progress bar for long stages: redraws one line in place on a TTY, and prints a
 * plain line every ~10 % elsewhere (CI logs, pipes), always to stderr so stdout stays data.
 */
export class Progress {
  private readonly started = Date.now();
  private lastPrinted = -1;
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly quiet = false,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  /** Reports `done` of `total` units, with a short status text (e.g. the current loss). */
  update(done: number, status = ''): void {
    if (this.quiet) return;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const elapsed = (Date.now() - this.started) / 1000;
    const eta = frac > 0 ? (elapsed * (1 - frac)) / frac : 0;
    const timing = `${elapsed.toFixed(0)}s elapsed${done < this.total ? `, ~${eta.toFixed(0)}s left` : ''}`;
    if (this.tty) {
      const width = 24;
      const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
      this.stream.write(`\r${this.label} [${bar}] ${done}/${this.total} ${status} (${timing})\x1b[K`);
      if (done >= this.total) this.stream.write('\n');
      return;
    }
    const decile = Math.floor(frac * 10);
    if (decile > this.lastPrinted || done >= this.total) {
      this.lastPrinted = done >= this.total ? 11 : decile;
      this.stream.write(`${this.label}: ${done}/${this.total} ${status} (${timing})\n`);
    }
  }
}
