import cliProgress from "cli-progress";

/** A progress bar for batch jobs; silent when there are few items or output is not a terminal. */
export interface Progress {
  tick(n?: number): void;
  stop(): void;
}

export function startProgress(label: string, total: number, minItems = 20): Progress {
  if (total < minItems || !process.stdout.isTTY) {
    return { tick() {}, stop() {} };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} {percentage}% eta {eta}s`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    tick(n = 1) {
      bar.increment(n);
    },
    stop() {
      bar.stop();
    },
  };
}
